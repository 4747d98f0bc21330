/** Serialisers shared by every result type: STIX 2.1 (+ Attack Flow), Navigator layers, safe Markdown. */
export * from './stix/index.js';
export { navigatorLayer, NavigatorLayerSchema, LayerTechniqueSchema, NAVIGATOR_LAYER_VERSION, NAVIGATOR_VERSION, type NavigatorLayer, type LayerTechnique, type LayerInput } from './navigator.js';
export { mdText, mdCode, mdCodeBlock, mdTable, stripControls } from './markdown.js';
