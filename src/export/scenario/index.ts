/** Detection reports (alerts and attack scenarios) in the exchange formats: STIX 2.1 + Attack Flow, Navigator, Markdown, DOT. */
export { reportToStix, type ScenarioStixOptions } from './stix.js';
export { reportToNavigator } from './navigator.js';
export { reportToMarkdown, narrative } from './markdown.js';
export { reportToDot } from './dot.js';
