/** An ATI document full of hostile strings (markup, links, control characters), valid by the schema. */
import { ATI_SCHEMA_VERSION, AtiDocumentSchema, type AtiDocument } from '../../../src/intel/schema.js';

export const EVIL = '<script>alert(1)</script> [click](javascript:alert(2)) ![img](http://x/y.png) | col | `tick` **bold** \u001b[31mred\u202e\u0000 # heading\n- item';

export function hostileDoc(): AtiDocument {
  const span = (quote: string, start = 0) => ({ start, end: start + quote.length, quote, sentence: 0, method: 'classifier' as const, score: 0.9 });
  const doc = {
    schema: ATI_SCHEMA_VERSION,
    report: { id: 'report-0123456789abcdef', title: `Report ${EVIL}`, source: { path: `reports/${EVIL}.md`, format: 'markdown', sha256: 'a'.repeat(64), bytes: 1234 }, textLength: 5000 },
    generator: { tool: 'ttpscope', version: '0.1.0', attackVersion: '18.1', model: 'ttp-techniques.bin@abc' },
    tactics: [
      { shortname: 'execution', id: 'TA0002', name: 'Execution', techniques: ['T1059.001'] },
      { shortname: 'persistence', id: 'TA0003', name: 'Persistence', techniques: ['T1053.005'] },
    ],
    techniques: [
      { id: 'T1059.001', name: 'PowerShell', tactics: ['execution'], score: 0.93, evidence: [span(`ran powershell ${EVIL}`)], procedures: ['proc-1'], variants: [{ technique: 'T1059.001', source: 'atomic-red-team', ref: 'guid-1', description: `Atomic ${EVIL}`, command: 'powershell -c "```evil```"', platforms: ['windows'] }] },
      { id: 'T1053.005', name: 'Scheduled Task', tactics: ['persistence'], score: 0.71, evidence: [span('created a scheduled task', 100)], procedures: ['proc-2'], variants: [] },
    ],
    procedures: [
      { id: 'proc-1', technique: 'T1059.001', tactic: 'execution', order: 1, actor: `Actor ${EVIL}`, action: `ran ${EVIL}`, tool: { name: 'PowerShell' }, commands: [{ text: `powershell -enc AAAA ${EVIL} \`\`\`\nrm -rf /`, interpreter: 'powershell' }], objects: [{ kind: 'file', value: `C:\\evil\\${EVIL}` }], iocs: ['ioc-1'], evidence: [span(`ran powershell ${EVIL}`)], score: 0.93 },
      { id: 'proc-2', technique: 'T1053.005', tactic: 'persistence', order: 2, action: 'created a scheduled task', tool: { name: 'schtasks', attackId: 'S0111' }, commands: [{ text: 'schtasks /create /tn "x\'y" /tr "a\\b"', interpreter: 'cmd' }], objects: [{ kind: 'task', value: "x'y" }], iocs: [], evidence: [span('created a scheduled task', 100)], score: 0.71 },
    ],
    iocs: [
      { id: 'ioc-1', type: 'domain', value: "evil.example'] OR [x:y = 'z", original: 'evil[.]example', evidence: [span('evil[.]example', 200)] },
      { id: 'ioc-2', type: 'file-path', value: 'C:\\Users\\Public\\a\'b.dll', evidence: [span('C:\\Users\\Public\\a\'b.dll', 300)] },
      { id: 'ioc-3', type: 'sha256', value: 'b'.repeat(64), evidence: [span('b'.repeat(64), 400)] },
      { id: 'ioc-4', type: 'cve', value: 'CVE-2021-44228', evidence: [span('CVE-2021-44228', 500)] },
    ],
    entities: [
      { kind: 'group', attackId: 'G0016', name: 'APT29', matched: 'Cozy Bear', evidence: [span('Cozy Bear', 600)] },
      { kind: 'tool', attackId: 'S0111', name: 'schtasks', evidence: [span('schtasks', 700)] },
      { kind: 'malware', name: `Evil ${EVIL}`, evidence: [span('Evil', 800)] },
    ],
  };
  return AtiDocumentSchema.parse(doc);
}
