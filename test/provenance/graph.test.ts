import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildGraphsSync, findNodes, graphToDot, graphToJson, neighbourhood, trackBackward, trackForward, type ProvenanceGraph } from '../../src/provenance/index.js';
import type { NormalizedEvent } from '../../src/logs/event.js';
import { scenarioEvents } from './scenario.js';

function scenarioGraph(options = {}): ProvenanceGraph {
  const { graphs } = buildGraphsSync(scenarioEvents(), options);
  assert.deepEqual([...graphs.keys()], ['WS01.corp.example']);
  return graphs.get('WS01.corp.example')!;
}

function one(g: ProvenanceGraph, query: string, type?: 'process' | 'file'): number {
  const ids = findNodes(g, query, type ? { type } : {});
  assert.equal(ids.length, 1, `exactly one node for ${query}: ${ids.map((i) => g.nameOf(i)).join(', ')}`);
  return ids[0]!;
}

/** Process basenames and other node names (lower case) of a subgraph, sorted. */
function describe(g: ProvenanceGraph, nodes: number[]): { processes: string[]; objects: string[] } {
  const processes: string[] = [];
  const objects: string[] = [];
  for (const id of nodes) {
    const name = g.nameOf(id).toLowerCase();
    if (g.typeOf(id) === 'process') processes.push(name.slice(name.lastIndexOf('\\') + 1));
    else objects.push(`${g.typeOf(id)}:${name}`);
  }
  return { processes: processes.sort(), objects: objects.sort() };
}

const temp = 'c:\\users\\alice\\appdata\\local\\temp\\';

test('backward tracking from the last process returns exactly the attack chain', () => {
  const g = scenarioGraph();
  const schtasks = one(g, 'schtasks.exe', 'process');
  const sub = trackBackward(g, [schtasks]);
  const d = describe(g, sub.nodes);
  assert.deepEqual(d.processes, ['explorer.exe', 'outlook.exe', 'powershell.exe', 'schtasks.exe', 'winword.exe', 'wscript.exe', 'x7f3kq9.exe']);
  assert.deepEqual(d.objects, [
    'domain:k8x2qz7w.example',
    // the mail server Outlook fetched the attachment from
    'endpoint:10.20.0.5:443',
    'endpoint:203.0.113.50:443',
    'file:c:\\program files\\common files\\microsoft shared\\vba\\vba7.1\\vbe7.dll',
    'file:c:\\program files\\microsoft office\\root\\office16\\outlook.exe',
    'file:c:\\program files\\microsoft office\\root\\office16\\winword.exe',
    'file:c:\\users\\alice\\downloads\\invoice.docm',
    `file:${temp}q7x9k2.js`,
    `file:${temp}x7f3kq9.exe`,
    'file:c:\\windows\\system32\\schtasks.exe',
    'file:c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe',
    'file:c:\\windows\\system32\\wscript.exe',
  ].sort());
  assert.equal(sub.truncated, false);
  // every returned edge joins two returned nodes
  const inSet = new Set(sub.nodes);
  for (const e of sub.edges) assert.ok(inSet.has(g.edgeSrcOf(e)) && inSet.has(g.edgeDstOf(e)));
  // the spawn chain is among the edges
  const spawns = sub.edges.filter((e) => g.edgeTypeOf(e) === 'spawn').length;
  assert.equal(spawns, 6);
});

test('forward tracking from the document returns its descendants and writes, nothing else', () => {
  const g = scenarioGraph();
  const doc = one(g, 'invoice.docm', 'file');
  const sub = trackForward(g, [doc]);
  const d = describe(g, sub.nodes);
  assert.deepEqual(d.processes, ['powershell.exe', 'schtasks.exe', 'winword.exe', 'wscript.exe', 'x7f3kq9.exe']);
  assert.deepEqual(d.objects, [
    'domain:k8x2qz7w.example',
    'endpoint:203.0.113.50:443',
    'file:c:\\users\\alice\\downloads\\invoice.docm',
    `file:${temp}q7x9k2.js`,
    `file:${temp}x7f3kq9.exe`,
    'registry:hku\\s-1-5-21-1111111111-2222222222-3333333333-1104\\software\\microsoft\\windows\\currentversion\\run\\x7f3kq9',
  ].sort());
});

test('time is respected: edges after the point of interest are not followed backward', () => {
  const g = scenarioGraph();
  const file = one(g, `${temp}x7f3kq9.exe`, 'file');
  // Defender rewrote and deleted the file at 09:10, after it was executed: it is not part of how schtasks came to be
  const defender = one(g, 'msmpeng.exe', 'process');
  const fromLast = trackBackward(g, [one(g, 'schtasks.exe', 'process')]);
  assert.ok(fromLast.nodes.includes(file));
  assert.ok(!fromLast.nodes.includes(defender));
  // …but from the file as it is at the end of the log, Defender is one of its writers
  assert.ok(trackBackward(g, [file]).nodes.includes(defender));
  // and from the file as it was at 09:05, it is not
  assert.ok(!trackBackward(g, [file], { at: Date.parse('2024-03-05T09:05:00Z') }).nodes.includes(defender));

  // PowerShell right after it started: it has resolved the domain but not yet connected
  const ps = one(g, 'powershell.exe', 'process');
  const early = describe(g, trackBackward(g, [ps], { at: Date.parse('2024-03-05T09:02:12.500Z') }).nodes);
  assert.ok(early.objects.includes('domain:k8x2qz7w.example'));
  assert.ok(!early.objects.some((o) => o.startsWith('endpoint:203.')));
  assert.deepEqual(early.processes, ['explorer.exe', 'outlook.exe', 'powershell.exe', 'winword.exe', 'wscript.exe']);

  // forward from PowerShell after it wrote the file: the drop is not followed, the later spawn is
  const late = describe(g, trackForward(g, [ps], { at: Date.parse('2024-03-05T09:02:16Z') }).nodes);
  assert.ok(late.processes.includes('x7f3kq9.exe'));
  assert.ok(!late.objects.includes('endpoint:203.0.113.50:443'));
});

test('a process with a causal path only through a later edge is not an ancestor', () => {
  // A writes f at t=3; B reads f at t=2 (before the write): A is not in B's past.
  const ev = (time: number, kind: NormalizedEvent['kind'], pid: number, image: string, path?: string): NormalizedEvent => ({
    time,
    host: 'h',
    kind,
    subject: { pid, guid: `{g-${pid}}`, image },
    object: path ? { file: { path } } : undefined,
    raw: {},
    source: { file: 'mem', line: time },
  });
  const { graphs } = buildGraphsSync([ev(2, 'file_read', 2, 'C:\\b.exe', 'C:\\f.txt'), ev(3, 'file_write', 1, 'C:\\a.exe', 'C:\\f.txt')]);
  const g = graphs.get('h')!;
  const b = one(g, 'b.exe', 'process');
  const a = one(g, 'a.exe', 'process');
  assert.ok(!trackBackward(g, [b]).nodes.includes(a));
  assert.ok(!trackForward(g, [a]).nodes.includes(b));
  const f = one(g, 'C:\\f.txt', 'file');
  assert.ok(trackForward(g, [f]).nodes.includes(b), 'the file did flow into b');
});

test('two processes talking to the same server are not each other\'s cause; the server itself can be a seed', () => {
  const ev = (time: number, pid: number, image: string): NormalizedEvent => ({
    time,
    host: 'h',
    kind: 'network_connect',
    subject: { pid, guid: `{g-${pid}}`, image },
    object: { network: { remoteAddress: '198.51.100.9', remotePort: 443 } },
    raw: {},
    source: { file: 'mem', line: time },
  });
  const g = buildGraphsSync([ev(1, 1, 'C:\\a.exe'), ev(2, 2, 'C:\\b.exe')]).graphs.get('h')!;
  const a = one(g, 'a.exe', 'process');
  const b = one(g, 'b.exe', 'process');
  const server = one(g, '198.51.100.9:443');
  assert.deepEqual(trackBackward(g, [b]).nodes, [b, server].sort((x, y) => x - y));
  assert.ok(!trackForward(g, [a]).nodes.includes(b));
  assert.deepEqual(trackBackward(g, [server]).nodes, [a, b, server].sort((x, y) => x - y));
});

test('reduction merges repeated edges with count and first/last time and event', () => {
  const g = scenarioGraph();
  const ps = one(g, 'powershell.exe', 'process');
  const endpoint = one(g, '203.0.113.50:443');
  const edges = [...g.outEdgesOf(ps)].filter((e) => g.edgeDstOf(e) === endpoint);
  assert.equal(edges.length, 1);
  const e = g.edge(edges[0]!);
  assert.equal(e.type, 'connect');
  assert.equal(e.count, 3);
  assert.equal(e.firstTime, Date.parse('2024-03-05T09:02:13.123Z'));
  assert.equal(e.lastTime, Date.parse('2024-03-05T09:02:14.123Z'));
  assert.ok(e.firstEvent.line! < e.lastEvent.line!);
  assert.equal(e.firstEvent.record, 1015);
  assert.equal(g.eventEdges - g.edgeCount >= 2 + 3, true, 'chrome and powershell repeats were merged');

  // with a 1-minute merge gap, Chrome's connection half an hour later is a separate edge
  const gapped = scenarioGraph({ mergeGapMs: 60_000 });
  const chrome = one(gapped, 'chrome.exe', 'process');
  const google = one(gapped, '142.250.74.36:443');
  const chromeEdges = [...gapped.outEdgesOf(chrome)].filter((x) => gapped.edgeDstOf(x) === google).map((x) => gapped.edge(x));
  assert.deepEqual(chromeEdges.map((x) => x.count), [3, 1]);
  const merged = [...g.outEdgesOf(one(g, 'chrome.exe', 'process'))].filter((x) => g.edgeDstOf(x) === one(g, '142.250.74.36:443'));
  assert.deepEqual(merged.map((x) => g.edgeCountOf(x)), [4]);
});

test('process instances: guid identity, pid reuse without guid, exit ends an instance', () => {
  const mk = (time: number, kind: NormalizedEvent['kind'], subject: NormalizedEvent['subject'], path?: string): NormalizedEvent => ({
    time,
    host: 'lin',
    kind,
    subject,
    object: path ? { file: { path } } : undefined,
    raw: {},
    source: { file: 'audit.log', line: time },
  });
  const events = [
    mk(1, 'process_create', { pid: 100, image: '/usr/bin/bash', parent: { pid: 1, image: '/sbin/init' } }),
    mk(2, 'file_write', { pid: 100, image: '/usr/bin/bash' }, '/tmp/a'),
    mk(3, 'process_exit', { pid: 100 }),
    // the pid comes back as another program
    mk(4, 'process_create', { pid: 100, image: '/usr/bin/curl', parent: { pid: 1, image: '/sbin/init' } }),
    mk(5, 'file_write', { pid: 100, image: '/usr/bin/curl' }, '/tmp/b'),
    // no creation seen, different image on the same pid: a new instance
    mk(6, 'file_read', { pid: 100, image: '/usr/bin/python3' }, '/tmp/b'),
  ];
  const g = buildGraphsSync(events).graphs.get('lin')!;
  const procs = findNodes(g, 'pid:100');
  assert.equal(procs.length, 3);
  assert.deepEqual(procs.map((p) => g.processInfo(p).image), ['/usr/bin/bash', '/usr/bin/curl', '/usr/bin/python3']);
  const init = one(g, 'pid:1');
  assert.deepEqual(
    [...g.outEdgesOf(init)].map((e) => g.processInfo(g.edgeDstOf(e)).image),
    ['/usr/bin/bash', '/usr/bin/curl'],
  );
  assert.ok(trackBackward(g, [procs[2]!]).nodes.includes(procs[1]!), 'python read what curl wrote');
  assert.ok(!trackBackward(g, [procs[2]!]).nodes.includes(procs[0]!));
});

test('neighbourhood returns k hops in both directions', () => {
  const g = scenarioGraph();
  const ps = one(g, 'powershell.exe', 'process');
  const one1 = describe(g, neighbourhood(g, [ps], 1).nodes);
  assert.deepEqual(one1.processes, ['powershell.exe', 'wscript.exe', 'x7f3kq9.exe']);
  assert.ok(one1.objects.includes('endpoint:203.0.113.50:443'));
  assert.ok(!one1.processes.includes('winword.exe'));
  const two = describe(g, neighbourhood(g, [ps], 2).nodes);
  assert.ok(two.processes.includes('winword.exe') && two.processes.includes('schtasks.exe'));
  assert.ok(two.processes.includes('msmpeng.exe'), 'neighbourhood ignores time');
});

test('node lookup by id, key, pid, path, basename and substring', () => {
  const g = scenarioGraph();
  const ps = one(g, 'powershell.exe', 'process');
  assert.deepEqual(findNodes(g, String(ps)), [ps]);
  assert.deepEqual(findNodes(g, `#${ps}`), [ps]);
  assert.deepEqual(findNodes(g, g.keyOf(ps)), [ps]);
  assert.deepEqual(findNodes(g, 'pid:6300'), [ps]);
  assert.deepEqual(findNodes(g, 'C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', { type: 'process' }), [ps]);
  assert.deepEqual(findNodes(g, 'no-such-thing'), []);
  assert.equal(findNodes(g, 'invoice').length, 1);
  assert.deepEqual(findNodes(g, '999999'), []);
});

test('JSON export carries node attributes, edge counts and event references', () => {
  const g = scenarioGraph();
  const sub = trackBackward(g, [one(g, 'schtasks.exe', 'process')]);
  const json = graphToJson(g, sub);
  const round = JSON.parse(JSON.stringify(json)) as typeof json;
  assert.equal(round.host, 'WS01.corp.example');
  assert.equal(round.nodes.length, sub.nodes.length);
  const ps = round.nodes.find((n) => n.name.toLowerCase().endsWith('powershell.exe') && n.type === 'process')!;
  assert.equal(ps.process?.pid, 6300);
  assert.match(ps.process?.commandLine ?? '', /-enc/);
  assert.equal(round.nodes.filter((n) => n.seed).length, 1);
  const spawn = round.edges.find((e) => e.type === 'spawn' && e.dst === ps.id)!;
  assert.equal(spawn.firstTime, '2024-03-05T09:02:12.123Z');
  assert.match(spawn.firstEvent.file, /office-macro-scenario\.jsonl$/);
  assert.equal(typeof spawn.firstEvent.line, 'number');
});

test('DOT export escapes hostile labels and parses with Graphviz', (t) => {
  const g = scenarioGraph();
  const dot = graphToDot(g);
  // the file name that tries to close the label and add a node stays inside one quoted label
  const hostile = dot.split('\n').filter((l) => l.includes('pwned'));
  assert.equal(hostile.length, 1);
  assert.match(hostile[0]!, /^ {2}n\d+ \[label="[^\n]*report\\"\];<0a>evil \[label=\\"pwned\\\\\.txt"/);
  assert.ok(!/^evil/m.test(dot));
  // every node line declares one node
  assert.equal(dot.split('\n').filter((l) => /^ {2}n\d+ \[/.test(l)).length, g.nodeCount);
  const probe = spawnSync('dot', ['-V'], { encoding: 'utf8' });
  if (probe.error) {
    t.skip('Graphviz `dot` is not installed (Debian package graphviz): DOT syntax not checked by a parser');
    return;
  }
  const res = spawnSync('dot', ['-Tcanon'], { input: dot, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr, '');
  // Graphviz sees exactly our nodes and edges (none injected)
  const plain = spawnSync('dot', ['-Tplain'], { input: dot, encoding: 'utf8' });
  const lines = plain.stdout.split('\n');
  assert.equal(lines.filter((l) => l.startsWith('node ')).length, g.nodeCount);
  assert.equal(lines.filter((l) => l.startsWith('edge ')).length, g.edgeCount);
});

test('memory: bytes per stored edge stay under 200 at scale', (t) => {
  // 200k synthetic events over 2k processes and 150k files, written and read in turn
  const events: NormalizedEvent[] = [];
  for (let i = 0; i < 200_000; i++) {
    const p = i % 2000;
    events.push({
      time: 1_700_000_000_000 + i,
      host: 'bulk',
      kind: i % 3 === 0 ? 'file_read' : 'file_write',
      subject: { pid: p, guid: `{p-${p}}`, image: `C:\\bin\\p${p % 50}.exe` },
      object: { file: { path: `C:\\data\\f${i % 149_999}.dat` } },
      raw: {},
      source: { file: 'bulk.jsonl', line: i + 1 },
    });
  }
  const { graphs, stats } = buildGraphsSync(events);
  const g = graphs.get('bulk')!;
  assert.equal(stats.events, 200_000);
  const m = g.memory();
  assert.ok(m.edges > 100_000, `edges ${m.edges}`);
  // the edge table and reduction index; nodes and strings depend on how many distinct objects the log names
  assert.ok(m.bytesPerEdge <= 200, `bytes/edge ${m.bytesPerEdge}`);
  t.diagnostic(`edges ${m.edges}, nodes ${m.nodes}: ${m.bytesPerEdge.toFixed(1)} B/edge stored, ${m.totalBytesPerEdge.toFixed(1)} B/edge with nodes and strings`);
});
