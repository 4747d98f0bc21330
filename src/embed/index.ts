/** Public API of the embed module: the dual encoder, training, model files, vector index, semantic search. */
export { securityTokens, type TokenizeOptions } from './tokenize.js';
export { featurize, bagOf, defaultFeatureConfig, type FeatureConfig, type Features, type FeatureBag } from './features.js';
export { EmbedModel, TEXT_TOWER, LOG_TOWER, defaultModelConfig, initParams, paramLayout, type Tower, type ModelConfig, type ParamLayout } from './model.js';
export { train, defaultTrainOptions, type TrainingQuery, type TrainingSet, type TrainOptions, type EpochReport, type TrainHooks } from './train.js';
export { saveModel, loadModel, encodeModelFile, decodeModelFile, MODEL_FORMAT_VERSION, type ModelHeader, type LoadedModel } from './model-file.js';
export { VectorIndex, type IndexEntry, type EntryMeta, type SearchFilter, type Neighbour, type VectorIndexOptions } from './vector/vector-index.js';
export { Hnsw, type HnswOptions } from './vector/hnsw.js';
export { exactSearch } from './vector/exact.js';
export { semanticSearch, rankTechniques, buildTechniqueIndex, type TechniqueMatch, type SemanticSearchOptions, type TechniqueIndexOptions } from './semantic-search.js';
export { sequenceText } from './sequence-text.js';
export { trainAndSave, defaultModelPath, DEFAULT_MODEL_FILE, type TrainRunOptions, type TrainRunResult } from './pipeline.js';
export { buildTrainingData, sourcesFromSharedData, type TrainingSources, type SourceSummary, type BuiltTrainingData } from './data/dataset.js';
export { evaluateText, evaluateBm25, evaluateHybrid, evaluateLogs } from './evaluate.js';
export { RetrievalScorer, type RetrievalMetrics } from './metrics.js';
export { trainModelStep } from './setup-step.js';
