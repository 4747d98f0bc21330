/** Public API of the embed module: the dual encoder, training, model files, vector index, semantic search. */
export { securityTokens, type TokenizeOptions } from './tokenize.js';
export { featurize, bagOf, defaultFeatureConfig, type FeatureConfig, type Features, type FeatureBag } from './features.js';
export { EmbedModel, TEXT_TOWER, LOG_TOWER, defaultModelConfig, initParams, paramLayout, type Tower, type ModelConfig, type ParamLayout } from './model.js';
export { train, defaultTrainOptions, type TrainingQuery, type TrainingSet, type TrainOptions, type EpochReport, type TrainHooks } from './train.js';
export { saveModel, loadModel, encodeModelFile, decodeModelFile, MODEL_FORMAT_VERSION, type ModelHeader, type LoadedModel, type RankerSpec } from './model-file.js';
export { TechniqueRanker, rankerFromSpec, fitWeights, fitSamples, RANKER_FEATURES, defaultRankerShape, type RankedTechnique, type RankerEvidence, type RankerFeature, type RankerParams, type MemoryEntry } from './ranker.js';
export { EncoderPool } from './encode-pool.js';
export { VectorIndex, type IndexEntry, type EntryMeta, type SearchFilter, type Neighbour, type VectorIndexOptions } from './vector/vector-index.js';
export { Hnsw, type HnswOptions } from './vector/hnsw.js';
export { exactSearch } from './vector/exact.js';
export { semanticSearch, rankTechniques, buildTechniqueIndex, type TechniqueMatch, type SemanticSearchOptions, type TechniqueIndexOptions } from './semantic-search.js';
export { sequenceText } from './sequence-text.js';
export { trainAndSave, fitRanker, inputsFingerprint, defaultModelPath, DEFAULT_MODEL_FILE, TRAINING_RECIPE, type TrainRunOptions, type TrainRunResult } from './pipeline.js';
export { buildTrainingData, sourcesFromSharedData, type TrainingSources, type SourceSummary, type BuiltTrainingData } from './data/dataset.js';
export { evaluateText, evaluateBm25, evaluateHybrid, evaluateLogs, evaluateRanker } from './evaluate.js';
export { RetrievalScorer, type RetrievalMetrics } from './metrics.js';
export { trainModelStep, modelIsCurrent, setupTrainingSources } from './setup-step.js';
