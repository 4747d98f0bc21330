import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { AtiDocumentSchema, extractReport, extractReportDetailed, type ExtractContext, decodeTechniqueModel, encodeTechniqueModel } from '../../src/intel/index.js';
import { UserError } from '../../src/common/errors.js';
import { repoRoot } from '../helpers.js';
import { miniContext, miniModel, skipNoData } from './helpers.js';

const example = join(repoRoot, 'examples', 'reports', 'operation-paper-lantern.md');
let ctx: ExtractContext;

before(async () => {
  if (skipNoData) return;
  ctx = await miniContext();
});

test('the example report: schema-valid ATI, every span quotes the text, IOCs refanged, chain ordered', { skip: skipNoData, timeout: 600_000 }, async () => {
  const { ati, text } = await extractReportDetailed({ path: example }, ctx);
  assert.ok(AtiDocumentSchema.safeParse(ati).success);
  assert.equal(ati.report.textLength, text.text.length);
  const spans = [
    ...ati.techniques.flatMap((t) => t.evidence),
    ...ati.procedures.flatMap((p) => [...p.evidence, ...p.commands.flatMap((c) => (c.evidence ? [c.evidence] : []))]),
    ...ati.iocs.flatMap((i) => i.evidence),
    ...ati.entities.flatMap((e) => e.evidence),
  ];
  assert.ok(spans.length > 10);
  for (const s of spans) {
    const slice = text.text.slice(s.start, s.end);
    assert.ok(s.quote === slice || (s.quote.endsWith('…') && slice.startsWith(s.quote.slice(0, -1))), `span ${s.start}-${s.end} quotes its text`);
    if (s.sentence !== undefined) {
      const sent = text.sentences[s.sentence]!;
      assert.ok(sent.start <= s.start && s.end <= sent.end, 'a span lies in its sentence');
    }
  }
  const ids = ati.techniques.map((t) => t.id);
  for (const expected of ['T1053.005', 'T1566.001']) assert.ok(ids.includes(expected) || ids.includes(expected.slice(0, 5)), `${expected} in ${ids.join(',')}`);
  // The scheduled-task procedure carries the command block the sentence introduces.
  const task = ati.procedures.find((p) => p.technique.startsWith('T1053'))!;
  assert.ok(task.commands.some((c) => c.text.startsWith('schtasks /create') && c.interpreter === 'cmd'));
  assert.ok(task.objects.some((o) => o.kind === 'task' && o.value === 'Microsoft\\Windows\\Maintenance\\MsUpd'));
  assert.equal(task.tool?.name, 'schtasks');
  // IOCs: refanged values, originals kept, vendor noise absent.
  const url = ati.iocs.find((i) => i.type === 'url')!;
  assert.equal(url.value, 'https://cdn-update.example-lantern.net/a.ps1');
  assert.equal(url.original, 'hxxps://cdn-update[.]example-lantern[.]net/a.ps1');
  assert.ok(ati.iocs.some((i) => i.type === 'ipv4' && i.value === '198.51.100.23' && i.evidence.length === 2));
  assert.ok(ati.iocs.some((i) => i.type === 'registry-key' && i.value === 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'));
  // Procedure IOCs point at IOCs of the document.
  const iocIds = new Set(ati.iocs.map((i) => i.id));
  for (const p of ati.procedures) for (const id of p.iocs) assert.ok(iocIds.has(id));
  // Every quoted command is listed, with its interpreter and place.
  const cmds = ati.commands ?? [];
  assert.ok(cmds.some((c) => c.text.startsWith('powershell.exe -nop -w hidden -enc') && c.interpreter === 'powershell'));
  assert.ok(cmds.some((c) => c.text === 'whoami /all'));
  assert.ok(cmds.some((c) => c.text === 'net group "Domain Admins" /domain'));
  for (const c of cmds) assert.equal(text.text.slice(c.evidence!.start, c.evidence!.end), c.text);
  // Chain: orders 1..n, tactics in matrix order.
  assert.deepEqual(ati.procedures.map((p) => p.order), ati.procedures.map((_, i) => i + 1));
  const tacticOrder = ctx.kb.tactics.map((t) => t.shortname);
  const positions = ati.procedures.map((p) => tacticOrder.indexOf(p.tactic ?? ''));
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  // Tactic layers list exactly the techniques, under their tactics.
  for (const t of ati.techniques) for (const tac of t.tactics) assert.ok(ati.tactics.find((l) => l.shortname === tac)?.techniques.includes(t.id));
  // Variants: ATT&CK procedure examples and Atomic tests for the scheduled task.
  const taskFinding = ati.techniques.find((t) => t.id.startsWith('T1053'))!;
  assert.ok(taskFinding.variants.some((v) => v.source === 'attack-procedure'));
  assert.ok(taskFinding.variants.some((v) => v.source === 'atomic-red-team' && v.command));
});

test('extractReport(path, ctx) returns the document; (text) and ({dataDir}) forms work the same', { skip: skipNoData, timeout: 600_000 }, async () => {
  const a = await extractReport(example, ctx);
  const b = await extractReport({ path: example }, ctx);
  assert.deepEqual(a, b);
  const c = await extractReport({ text: 'The actor created a scheduled task with schtasks for persistence.\nIt dumped LSASS memory.', label: 'inline' }, ctx);
  assert.equal(c.report.source.path, 'inline');
  assert.ok(c.techniques.length >= 1);
});

test('deterministic: the same input gives the same document', { skip: skipNoData, timeout: 600_000 }, async () => {
  const a = await extractReport(example, ctx);
  const b = await extractReport(example, ctx);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

test('bad input to extractReport is a UserError naming the file', { skip: skipNoData }, async () => {
  await assert.rejects(extractReport(join(repoRoot, 'no-such-report.pdf'), ctx), (e: unknown) => e instanceof UserError && /no such file/.test(e.message));
  await assert.rejects(extractReport({ text: '   ', label: 'blank' }, ctx), (e: unknown) => e instanceof UserError && /empty report/.test(e.message));
});

test('technique model files round-trip; damage is detected', { skip: skipNoData, timeout: 600_000 }, async () => {
  const { model } = await miniModel();
  const bytes = encodeTechniqueModel(model);
  const back = decodeTechniqueModel(bytes);
  assert.deepEqual(back.classifier.labels, model.classifier.labels);
  const p1 = model.classifier.predict('created a scheduled task');
  const p2 = back.classifier.predict('created a scheduled task');
  assert.deepEqual([...p1], [...p2]);
  const damaged = Buffer.from(bytes);
  damaged[damaged.length - 10]! ^= 0xff;
  assert.throws(() => decodeTechniqueModel(damaged, 'x.bin'), (e: unknown) => e instanceof UserError && /checksum/.test(e.message));
  assert.throws(() => decodeTechniqueModel(Buffer.from('hello world, not a model'), 'y.bin'), (e: unknown) => e instanceof UserError && /not a ttpscope technique model/.test(e.message));
  assert.throws(() => decodeTechniqueModel(bytes.subarray(0, 40), 'z.bin'), (e: unknown) => e instanceof UserError);
});

test('hostile HTML report: markup and control characters never reach the ATI text or the Markdown outside code', { skip: skipNoData, timeout: 600_000 }, async () => {
  const { atiToMarkdown } = await import('../../src/export/ati/index.js');
  const html = `<html><head><title>Evil &lt;img src=x onerror=alert(1)&gt;</title><script>steal()</script></head><body><article>
  <h1>Report <script>alert(1)</script></h1>
  <p>The actor created a scheduled task [link](javascript:alert(3)) with <code>schtasks /create /tn "a\`\`\`b" /tr evil.exe</code> for persistence.\u0007\u202e</p>
  <p>It dumped LSASS memory. ![x](http://t/p.png) | table | break |</p>
  <pre>schtasks /create /tn x /tr "c:\\a.exe" \`\`\`</pre>
  </article></body></html>`;
  const { ati, text } = await extractReportDetailed({ bytes: new Uint8Array(Buffer.from(html)), label: 'evil.html' }, ctx);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202e]/.test(text.text));
  assert.ok(!text.text.includes('steal()'));
  const md = atiToMarkdown(ati);
  const live = md.replace(/^( *)(`{3,})[^\n]*\n[\s\S]*?\n\1\2\s*$/gm, '').replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
  assert.ok(!/<[a-z!/]/i.test(live), 'no live HTML tags');
  assert.ok(!/\]\(javascript:/.test(live), 'no live links');
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202e]/.test(md));
  // STIX from the same document: valid, refs resolve, no control characters, every pattern one quoted literal per comparison.
  const { atiToStix } = await import('../../src/export/ati/index.js');
  const { validateBundle } = await import('../../src/export/index.js');
  const bundle = atiToStix(ati, { created: '2024-01-01T00:00:00.000Z' });
  assert.deepEqual(validateBundle(JSON.parse(JSON.stringify(bundle))).filter((i) => i.severity === 'error'), []);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202e]/.test(JSON.stringify(bundle)));
  // With the quoted literals taken out, only `path = L` comparisons joined by AND/OR remain: nothing escaped a literal.
  for (const o of bundle.objects) {
    if (o.type !== 'indicator') continue;
    const skeleton = String((o as { pattern: string }).pattern).replace(/'(?:[^'\\]|\\.)*'/g, 'L');
    assert.match(skeleton, /^\[[A-Za-z0-9_.:-]+ = L(?: (?:AND|OR) [A-Za-z0-9_.:-]+ = L)*\]$/, skeleton);
  }
});

test('a 50 MB HTML page goes through the whole extraction in bounded time and memory', { skip: skipNoData, timeout: 300_000 }, async () => {
  const { MAX_SCORED_SENTENCES, MAX_UNITS } = await import('../../src/intel/scoring.js');
  // Short sentences and long ones (which get word windows), so every unit cap is reached.
  const para = '<p>The actor used <a href="/x">PowerShell</a> to download tools &amp; payloads from hxxp://evil[.]net/x. After that the operators moved laterally to the finance servers with a renamed remote administration tool and dumped credentials from memory.</p>\n';
  const html = `<html><head><title>Big</title></head><body><article>${para.repeat(Math.ceil((50 * 1024 * 1024) / para.length))}</article></body></html>`;
  const t0 = Date.now();
  const r = await extractReportDetailed({ bytes: new Uint8Array(Buffer.from(html)), label: 'big.html' }, ctx);
  const secs = (Date.now() - t0) / 1000;
  assert.ok(r.text.sentences.length > MAX_SCORED_SENTENCES);
  // The score matrix is bounded (sentences × labels), so memory does not grow with the page.
  assert.ok(r.identification.scores.sentences <= MAX_UNITS, `${r.identification.scores.sentences} scoring units`);
  assert.ok(r.issues.some((i) => i.code === 'too-many-sentences' && i.place?.file === 'big.html'));
  assert.ok(r.ati.iocs.some((i) => i.value === 'http://evil.net/x'), 'IOCs are read from the whole page');
  assert.ok(secs < 240, `${secs}s`);
});
