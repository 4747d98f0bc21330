/** ATI documents (report intelligence) in the exchange formats: STIX 2.1 + Attack Flow, Navigator layer, Markdown. */
export { atiToStix, atiToAttackFlow, type AtiStixOptions } from './stix.js';
export { atiToNavigator } from './navigator.js';
export { atiToMarkdown } from './markdown.js';
