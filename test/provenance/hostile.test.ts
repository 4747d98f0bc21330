import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraphsSync, buildSequences, findNodes, graphToDot, graphToJson, trackBackward, trackForward } from '../../src/provenance/index.js';
import { eventKinds, type NormalizedEvent } from '../../src/logs/event.js';

/** A deterministic pseudo-random generator (no Math.random: failures must reproduce). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

const nasty = [
  '',
  ' ',
  '\\',
  '\\\\?\\',
  'C:',
  '/',
  '__proto__',
  'constructor',
  '"];\n}\ndigraph x {',
  '\u0000\u001b[31m',
  '\ud800',
  'a'.repeat(100_000),
  '\\'.repeat(5000),
  '%TEMP%\\' + '..\\'.repeat(2000),
  'HKEY_LOCAL_MACHINE',
  '\\REGISTRY\\USER\\S-1-5-21-1-2-3-1000_Classes\\x',
  '::ffff:999.1.1.1',
  '[::1]',
  '0'.repeat(400),
  '-'.repeat(300) + '=' + 'x'.repeat(300),
  '"'.repeat(1000),
  'http://' + 'a.'.repeat(3000),
];

test('odd and hostile events never throw, and everything they build exports', async () => {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const str = () => (r() < 0.5 ? pick(nasty) : `C:\\Users\\u${Math.floor(r() * 3)}\\AppData\\Local\\Temp\\${Math.floor(r() * 1e6).toString(36)}.exe`);
  const num = () => pick([0, -1, 1, 4, 2 ** 31, 2 ** 53, NaN, Infinity, -Infinity, 1.5]);
  const events: NormalizedEvent[] = [];
  for (let i = 0; i < 1500; i++) {
    const ref = () => (r() < 0.2 ? undefined : { pid: r() < 0.8 ? Math.floor(r() * 20) : num(), guid: r() < 0.5 ? str() : undefined, image: r() < 0.8 ? str() : undefined, commandLine: r() < 0.7 ? str() + ' ' + str() : undefined, startTime: r() < 0.2 ? num() : undefined });
    const subject = ref();
    events.push({
      time: r() < 0.05 ? num() : 1_700_000_000_000 + Math.floor(r() * 1e6),
      host: r() < 0.1 ? pick(nasty) : 'h' + Math.floor(r() * 3),
      kind: pick(eventKinds),
      subject: subject ? { ...subject, user: r() < 0.5 ? str() : undefined, parent: ref() } : undefined,
      object: {
        process: ref(),
        file: r() < 0.7 ? { path: str(), newPath: r() < 0.3 ? str() : undefined } : undefined,
        registry: r() < 0.5 ? { key: str(), value: r() < 0.5 ? str() : undefined } : undefined,
        network: r() < 0.5 ? { remoteAddress: r() < 0.5 ? pick(nasty) : `${Math.floor(r() * 300)}.1.2.3`, remotePort: r() < 0.5 ? num() : 443, localPort: 5 } : undefined,
        domain: r() < 0.5 ? str() : undefined,
        module: r() < 0.5 ? str() : undefined,
        pipe: r() < 0.5 ? str() : undefined,
        task: r() < 0.3 ? { name: str(), command: str() } : undefined,
        service: r() < 0.3 ? { name: str(), image: str() } : undefined,
        script: r() < 0.3 ? str() + ' Invoke-Expression Get-Item' : undefined,
      },
      raw: {},
      source: { file: pick(['a.jsonl', nasty[8]!]), line: r() < 0.5 ? i + 1 : undefined, record: r() < 0.5 ? num() : undefined },
    });
  }
  const started = Date.now();
  const { graphs } = buildGraphsSync(events);
  assert.ok(graphs.size >= 3);
  for (const g of graphs.values()) {
    const dot = graphToDot(g);
    // no raw newline or unescaped quote can end a statement early: each line is one statement
    for (const line of dot.split('\n').slice(4, -2)) assert.match(line, /^ {2}n\d+( -> n\d+)? \[.*\];$/);
    JSON.stringify(graphToJson(g));
    for (const q of nasty.slice(0, 12)) findNodes(g, q);
    const seeds = [0, Math.floor(g.nodeCount / 2)].filter((x) => x < g.nodeCount);
    trackBackward(g, seeds);
    trackForward(g, seeds, { at: NaN });
  }
  const seqs = await buildSequences(events, { maxActions: 5 });
  for (const s of seqs) {
    assert.ok(s.tokens.every((t) => typeof t === 'string' && !/[\x00-\x1f]/.test(t)));
    assert.ok(s.tokens.every((t) => t.length <= 400), 'tokens stay short');
  }
  assert.ok(Date.now() - started < 20_000, 'no pathological slowness');
});
