import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers.js';
import type { GraphJson } from '../../src/provenance/index.js';

const scenario = join(repoRoot, 'test', 'fixtures', 'provenance', 'office-macro-scenario.jsonl');

function processNames(g: GraphJson): string[] {
  return g.nodes
    .filter((n) => n.type === 'process')
    .map((n) => n.name.slice(n.name.lastIndexOf('\\') + 1).toLowerCase())
    .sort();
}

test('graph --node … --backward through the real readers returns the attack chain as JSON', () => {
  const r = runCli(['graph', scenario, '--node', 'schtasks.exe', '--backward', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { graphs: GraphJson[]; stats: { events: number } };
  assert.equal(out.graphs.length, 1);
  const g = out.graphs[0]!;
  assert.equal(g.host, 'WS01.corp.example');
  assert.deepEqual(processNames(g), ['explorer.exe', 'outlook.exe', 'powershell.exe', 'schtasks.exe', 'winword.exe', 'wscript.exe', 'x7f3kq9.exe']);
  assert.ok(g.nodes.some((n) => n.type === 'endpoint' && n.name === '203.0.113.50:443'));
  assert.ok(!g.nodes.some((n) => /msmpeng|chrome|notepad/i.test(n.name)));
  assert.equal(out.stats.events, 31);
  // every edge points back to its record in the fixture
  assert.ok(g.edges.every((e) => e.firstEvent.file === scenario && typeof e.firstEvent.line === 'number'));
});

test('graph --forward from the document as DOT: descendants and writes, parsable by Graphviz', (t) => {
  const r = runCli(['graph', scenario, '--node', 'invoice.docm', '--forward', '--format', 'dot']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^digraph "provenance WS01\.corp\.example" \{/);
  for (const name of ['WINWORD.EXE (4120)', 'wscript.exe (5200)', 'powershell.exe (6300)', 'x7f3kq9.exe (7400)', 'schtasks.exe (7500)']) {
    assert.ok(r.stdout.includes(`label="${name}"`), name);
  }
  assert.match(r.stdout, /tooltip="HKU\\\\S-1-5-21-[\d-]+\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\x7f3kq9"/, 'the Run key, backslashes escaped');
  assert.ok(!/chrome|notepad|msmpeng/i.test(r.stdout));
  if (spawnSync('dot', ['-V']).error) {
    t.skip('Graphviz `dot` is not installed (Debian package graphviz)');
    return;
  }
  const dot = spawnSync('dot', ['-Tplain'], { input: r.stdout, encoding: 'utf8' });
  assert.equal(dot.status, 0, dot.stderr);
});

test('graph: the whole-graph summary and the neighbourhood in text', () => {
  const summary = runCli(['graph', scenario]);
  assert.equal(summary.status, 0, summary.stderr);
  assert.match(summary.stdout, /^host WS01\.corp\.example: \d+ nodes, \d+ edges \(\d+ before reduction\)/);
  assert.match(summary.stdout, /process\s+11\n/);
  const near = runCli(['graph', scenario, '--node', 'pid:6300', '--depth', '1']);
  assert.equal(near.status, 0, near.stderr);
  assert.match(near.stdout, /powershell\.exe \(6300\) #\d+\s+connect ×3\s+endpoint 203\.0\.113\.50:443/);
  assert.doesNotMatch(near.stdout, /WINWORD/);
});

test('graph: user mistakes are one line on stderr and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['graph', scenario, '--node', 'no-such-process.exe', '--backward'], /^ttpscope: no node matches "no-such-process\.exe"/],
    [['graph', join(repoRoot, 'no', 'such.jsonl')], /^ttpscope: no such file: .*such\.jsonl/],
    [['graph', scenario, '--format', 'svg'], /^ttpscope: unknown --format "svg"/],
    [['graph', scenario, '--backward'], /^ttpscope: --backward, --forward and --at need --node/],
    [['graph', scenario, '--node', 'x', '--depth', 'many'], /^ttpscope: --depth must be a whole number/],
    [['graph', scenario, '--host', 'other'], /^ttpscope: no events of host "other"/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
