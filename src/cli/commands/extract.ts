/**
 * `ttpscope extract REPORT...`: threat reports (PDF, HTML, Markdown, text,
 * `-` for stdin, or directories) → attack-driven threat intelligence: ATI
 * JSON, STIX 2.1 (+ Attack Flow), an Attack Flow bundle alone, a Navigator
 * layer, or a Markdown summary. On a terminal without --format it prints a
 * summary table.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { errorMessage, formatIssue, UserError } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { atiToMarkdown, atiToNavigator, atiToStix, atiToAttackFlow } from '../../export/ati/index.js';
import { createExtractContext, extractReportDetailed, llmFromEnv, type AtiDocument, type ExtractContext, type ExtractResult } from '../../intel/index.js';
import { expandReportPaths, readReportStream, type ReportFormat } from '../../text/index.js';
import { dataDirOf } from '../context.js';
import { renderTable, safeText, style, writeJson } from '../output.js';
import { VERSION } from '../version.js';

const FORMATS = ['json', 'stix', 'flow', 'navigator', 'markdown'] as const;
type OutputFormat = (typeof FORMATS)[number];
const EXT: Record<OutputFormat, string> = { json: '.ati.json', stix: '.stix.json', flow: '.flow.json', navigator: '.layer.json', markdown: '.md' };

interface ExtractOptions {
  format?: string;
  output?: string;
  json?: boolean;
  inputFormat?: string;
  maxSize?: string;
  llmUrl?: string;
  llmModel?: string;
  llm?: boolean;
  rebuildModel?: boolean;
  model?: string;
  tram?: string;
  threshold?: string;
  created?: string;
}

function parseFormat(s: string | undefined, json: boolean | undefined): OutputFormat | undefined {
  if (s === undefined) return json ? 'json' : undefined;
  if (!(FORMATS as readonly string[]).includes(s)) throw new UserError(`unknown output format "${s}"`, undefined, `formats: ${FORMATS.join(', ')}`);
  return s as OutputFormat;
}

function parseInputFormat(s: string | undefined): ReportFormat | undefined {
  if (s === undefined) return undefined;
  const f = s === 'md' ? 'markdown' : s === 'txt' ? 'text' : s;
  if (!['pdf', 'html', 'markdown', 'text'].includes(f)) throw new UserError(`unknown input format "${s}"`, undefined, 'input formats: pdf, html, markdown, text');
  return f as ReportFormat;
}

function parseNumber(s: string | undefined, what: string, min: number, max: number): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < min || n > max) throw new UserError(`${what} must be a number from ${min} to ${max}, got "${s}"`);
  return n;
}

function parseCreated(s: string | undefined): string {
  if (s === undefined) return new Date().toISOString();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UserError(`--created must be an ISO date/time, got "${s}"`);
  return new Date(t).toISOString();
}

export function render(doc: AtiDocument, format: OutputFormat, ctx: ExtractContext, created: string): string {
  const stixOpts = {
    created,
    attackStixId: (id: string) => ctx.kb.technique(id)?.stixId ?? ctx.kb.group(id)?.stixId ?? ctx.kb.softwareBy(id)?.stixId ?? ctx.kb.campaign(id)?.stixId,
    tacticId: (shortname: string) => ctx.kb.tactic(shortname)?.id,
  };
  switch (format) {
    case 'json':
      return JSON.stringify(doc, null, 2) + '\n';
    case 'stix':
      return JSON.stringify(atiToStix(doc, stixOpts), null, 2) + '\n';
    case 'flow':
      return JSON.stringify(atiToAttackFlow(doc, stixOpts), null, 2) + '\n';
    case 'navigator':
      return JSON.stringify(atiToNavigator(doc), null, 2) + '\n';
    case 'markdown':
      return atiToMarkdown(doc) + '\n';
  }
}

function printSummary(r: ExtractResult): void {
  const doc = r.ati;
  const out = process.stdout;
  out.write(`${style(safeText(doc.report.title), 'bold')}\n${safeText(doc.report.source.path)} (${doc.report.source.format}, ${r.text.sentences.length} sentences)\n\n`);
  if (doc.techniques.length === 0) out.write('no techniques identified\n');
  else
    out.write(
      renderTable(doc.techniques, [
        { header: 'technique', value: (t) => t.id },
        { header: 'name', value: (t) => t.name, max: 40 },
        { header: 'tactics', value: (t) => t.tactics.join(','), max: 24 },
        { header: 'score', value: (t) => t.score.toFixed(2), align: 'right' },
        { header: 'evidence', value: (t) => t.evidence[0]?.quote ?? '', max: 70 },
      ]),
    );
  out.write(`\n${doc.procedures.length} procedures in the chain, ${doc.iocs.length} IOCs, ${doc.entities.length} groups/software/campaigns${doc.stated?.length ? `, ${doc.stated.length} cited ids not identified` : ''}\n`);
  if (r.llm) out.write(`LLM: ${r.llm.calls} requests, ${r.llm.confirmed.length} confirmed, ${r.llm.rejected.length} rejected, ${r.llm.proposed.length} proposed, ${r.llm.unsupported} unsupported answers dropped\n`);
  out.write(style('(--format json|stix|flow|navigator|markdown for the full result)', 'dim') + '\n');
}

/**
 * Output file stems, one per input: the file name without its extension,
 * or with it where two inputs share a stem (`report.html`, `report.txt`),
 * and a counter where even that collides (same name in two folders).
 */
export function outputStems(inputs: string[]): string[] {
  const stem = (f: string) => (f === '-' ? 'stdin' : basename(f, extname(f)));
  const counts = new Map<string, number>();
  for (const f of inputs) counts.set(stem(f), (counts.get(stem(f)) ?? 0) + 1);
  const used = new Set<string>();
  return inputs.map((f) => {
    const base = counts.get(stem(f))! > 1 && f !== '-' ? basename(f) : stem(f);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    return name;
  });
}

function outputPath(output: string, stem: string, format: OutputFormat, many: boolean): string {
  let isDir = many;
  try {
    isDir ||= statSync(output).isDirectory();
  } catch {
    isDir ||= output.endsWith('/');
  }
  if (!isDir) return output;
  mkdirSync(output, { recursive: true });
  return join(output, stem + EXT[format]);
}

/** Issues worth a line without --verbose: errors, LLM problems, and warnings that change what was read or scored. */
const ALWAYS_SHOWN = /^(?:too-many-sentences|pdf-|encoding|llm)/;

export function register(program: Command): void {
  program
    .command('extract')
    .description('threat reports → techniques, procedures, variants and IOCs (ATI); PDF, HTML, Markdown, text, stdin or directories')
    .argument('<reports...>', 'report files or directories; - reads stdin')
    .option('--format <format>', `output: ${FORMATS.join(', ')} (default: a summary table, or json when piped or with --output)`)
    .option('--json', 'the ATI document as JSON (same as --format json)')
    .option('-o, --output <path>', 'write to this file, or into this directory (one file per report)')
    .option('--input-format <format>', 'treat input as pdf, html, markdown or text instead of detecting it')
    .option('--max-size <MiB>', 'largest report read (default 64)')
    .option('--threshold <p>', 'report-level score a technique needs (default: the calibrated threshold)')
    .option('--llm-url <url>', 'OpenAI-compatible server to review techniques (default $TTPSCOPE_LLM_URL; off when unset)')
    .option('--llm-model <name>', 'model name for the LLM server (default $TTPSCOPE_LLM_MODEL)')
    .option('--no-llm', 'never use an LLM, even if TTPSCOPE_LLM_URL is set')
    .option('--model <file>', 'technique model file (default <data>/models/ttp-techniques.bin)')
    .option('--rebuild-model', 'rebuild the technique model from ATT&CK and the TRAM train split first')
    .option('--tram <dir>', 'TRAM data to build the model from (default $TTPSCOPE_TRAM, $TTPSCOPE_MIRROR/tram or ../shared/data/tram)')
    .option('--created <time>', 'timestamp for STIX objects (default now; fix it for reproducible bundles)')
    .addHelpText(
      'after',
      [
        '',
        'Every technique, procedure and IOC carries evidence: character spans into the extracted',
        'text with the quoted words. The technique model is built once from ATT&CK and the TRAM',
        'train split (ttpscope setup does it; otherwise the first extract does, in a few minutes).',
        '',
        'Environment:',
        '  TTPSCOPE_LLM_URL, TTPSCOPE_LLM_MODEL, TTPSCOPE_LLM_API_KEY  optional LLM review',
        '  TTPSCOPE_TRAM  TRAM folder for building the model',
      ].join('\n'),
    )
    .action(async (reports: string[], opts: ExtractOptions, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      let format = parseFormat(opts.format, opts.json);
      if (!format && (opts.output || !process.stdout.isTTY)) format = 'json';
      const inputFormat = parseInputFormat(opts.inputFormat);
      const maxMiB = parseNumber(opts.maxSize, '--max-size', 1, 4096);
      const threshold = parseNumber(opts.threshold, '--threshold', 0, 1);
      const created = parseCreated(opts.created);
      const files = expandReportPaths(reports);
      if (files.length === 0) throw new UserError('no reports found', { file: reports.join(', ') }, 'give report files (.pdf .html .md .txt) or directories holding them');
      if (files.filter((f) => f === '-').length > 1) throw new UserError('stdin (-) can be read only once');
      const many = files.length > 1;
      if (many && format && !opts.output) throw new UserError(`${files.length} reports: give --output DIR for ${format} files (one per report)`);
      const llm = opts.llm === false ? undefined : llmFromEnv(process.env, { ...(opts.llmUrl ? { url: opts.llmUrl } : {}), ...(opts.llmModel ? { model: opts.llmModel } : {}) });
      const building = createProgress('technique model');
      const ctx = await createExtractContext({
        dataDir,
        version: VERSION,
        ...(opts.model ? { modelPath: opts.model } : {}),
        ...(opts.rebuildModel ? { rebuildModel: true } : {}),
        ...(opts.tram ? { tramDir: opts.tram } : {}),
        ...(llm ? { llm } : {}),
        onBuild: (m) => process.stderr.write(`ttpscope: ${m}\n`),
        progress: (stage, done, total) => building.update(done, total, stage),
      });
      building.done();
      if (threshold !== undefined) ctx.identify = { ...ctx.identify, threshold };
      const stems = outputStems(files);
      const progress = many ? createProgress('extract') : undefined;
      let failed = 0;
      for (let i = 0; i < files.length; i++) {
        const file = files[i]!;
        progress?.update(i, files.length, basename(file));
        let result: ExtractResult;
        try {
          const read = { ...(inputFormat ? { format: inputFormat } : {}), ...(maxMiB ? { maxBytes: Math.round(maxMiB * 1048576) } : {}) };
          const input = file === '-' ? { report: await readReportStream(process.stdin, '-', read) } : { path: file, ...read };
          result = await extractReportDetailed(input, ctx);
        } catch (e) {
          if (!(e instanceof UserError) || !many) throw e;
          failed++;
          process.stderr.write(`ttpscope: ${e.describe()}\n`);
          continue;
        }
        const verbose = process.env.TTPSCOPE_VERBOSE || cmd.optsWithGlobals().verbose;
        for (const issue of result.issues) if (issue.severity === 'error' || verbose || (issue.code && ALWAYS_SHOWN.test(issue.code))) process.stderr.write(`ttpscope: ${safeText(formatIssue(issue))}\n`);
        if (!format) {
          printSummary(result);
          continue;
        }
        const text = render(result.ati, format, ctx, created);
        if (opts.output) {
          const path = outputPath(opts.output, stems[i]!, format, many);
          try {
            writeFileSync(path, text);
          } catch (e) {
            throw new UserError(`cannot write the output (${errorMessage(e)})`, { file: path });
          }
        } else process.stdout.write(text);
      }
      progress?.done(many ? `extracted ${files.length - failed} of ${files.length} reports${opts.output ? ` into ${opts.output}` : ''}` : undefined);
      if (many && !format) writeJson({ reports: files.length, failed });
      process.exitCode = failed > 0 ? 2 : 0;
    });
}
