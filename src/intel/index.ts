/**
 * Public surface of intel: attack-driven threat intelligence (ATI) from
 * reports. `extractReport(input, ctx)` is the entry point; `createExtractContext`
 * loads what it needs once.
 */
export { extractReport, extractReportDetailed, type ExtractContext, type ExtractInput, type ExtractResult, type ExtractSetup } from './extract.js';
export { createExtractContext, type ContextOptions } from './context.js';
export * from './schema.js';
export { identifyTechniques, selectTechniques, type Identification, type IdentifiedTechnique, type IdentifyOptions, type SentenceEvidence } from './identify.js';
export { TechniqueModel, buildTechniqueModel, crossValidate, calibratedLabels, defaultTechniqueModelOptions, type TechniqueModelOptions, type BuildProgress } from './technique-model.js';
export { loadTechniqueModel, saveTechniqueModel, encodeTechniqueModel, decodeTechniqueModel, defaultTechniqueModelPath, TECHNIQUE_MODEL_FILE } from './model-file.js';
export { obtainTechniqueModel, buildAndSaveTechniqueModel, findTramDir, PRUNE_EPSILON, type ModelStoreOptions } from './model-store.js';
export { TechniqueNames, sentenceShape, textShape } from './shape.js';
export { readTram, parentOf, type TramData, type TramReport, type TramSpan } from './tram.js';
export { segmentTramReport, sentenceLabels, spanInSentence, type SegmentedTramReport } from './training-data.js';
export { scoreMultiLabel, normaliseIds, type MultiLabelScore, type ScoreOptions } from './metrics.js';
export { AtomicLibrary, type AtomicVariant } from './atomics.js';
export { actionPhrase } from './action.js';
export { OpenAiCompatibleBackend, llmFromEnv, ANSWER_JSON_SCHEMA, type OpenAiOptions } from './llm/openai.js';
export type { LlmBackend, LlmReview, CandidateTechnique } from './llm/backend.js';
export { techniqueModelStep } from './setup-step.js';
