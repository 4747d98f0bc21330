/**
 * Public surface of the text layer: report ingestion (PDF, HTML, Markdown,
 * plain text, stdin), cleaning, structure, paragraphs and sentences with
 * character offsets, refanging, IOCs and named ATT&CK entities.
 */
export type { ReportText, ReportFormat, ReportSource, Paragraph, Sentence, SentenceKind, Range, TextBlock, BlockKind, StructuredText } from './types.js';
export { sliceOf } from './types.js';
export { readReportFile, readReportStream, reportFromBytes, expandReportPaths, detectFormat, decodeText, DEFAULT_MAX_BYTES, REPORT_EXTENSIONS, type ReadReportOptions } from './read.js';
export { reportFromStructured, reportFromPlainText, structurePlain } from './report.js';
export { readHtml } from './html.js';
export { readMarkdown, inlineToText } from './markdown.js';
export { readPdf } from './pdf.js';
export { cleanText, type CleanResult } from './clean.js';
export { OffsetMap, MappedWriter } from './offsets.js';
export { segment, splitSentences, MAX_SENTENCE } from './segment.js';
export { plainBlocks } from './plain.js';
export { refang, type RefangResult } from './refang.js';
export { extractIocs, registeredDomain, FILE_EXTENSIONS, type FoundIoc, type IocKind, type IocOptions } from './iocs.js';
export { EntityMatcher, type FoundEntity, type EntityKind } from './entities.js';
export { looksLikeCommand, interpreterOf, commandName, isCommandName, isSystemBinary, extractCommands, type FoundCommand } from './commands.js';
