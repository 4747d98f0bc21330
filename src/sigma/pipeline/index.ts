/** Processing pipelines: YAML data → the engine's `ProcessingPipeline` hook. */
export { buildPipeline, renameDetection, type Pipeline } from './build.js';
export { DEFAULT_PIPELINE, builtinPipelineDir, builtinPipelineNames, loadPipeline, loadPipelineSpecs } from './load.js';
export { parsePipelineSpec, type BranchSpec, type LogsourceEntrySpec, type PipelineSpec } from './spec.js';
