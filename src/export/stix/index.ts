/** STIX 2.1 output: schemas and validation, deterministic ids, the bundle builder, IOC patterns, Attack Flow. */
export { stixId, scoId, uuidV5, canonicalJson, STIX_SCO_NAMESPACE } from './ids.js';
export { validateBundle, StixBundleSchema, StixObjectSchema, STIX_OBJECT_TYPES, ATTACK_FLOW_EXTENSION_ID, type StixBundle, type StixObject, type StixObjectType, type StixObjectOf } from './schema.js';
export { StixBundleBuilder, type BuilderOptions } from './bundle.js';
export { stixPatternForIoc, stixString } from './pattern.js';
export { addAttackFlow, type FlowAction, type FlowAsset, type FlowInput } from './attack-flow.js';
