/**
 * `ttpscope kb info|show|search`: the ATT&CK knowledge base from the data dir
 * (or any bundle with --bundle). Tables on a terminal, JSON with --json.
 */
import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import {
  loadKnowledgeBase,
  loadKnowledgeBaseFromFile,
  plainText,
  withFootnotes,
  type Footnote,
  type KbEntity,
  type KnowledgeBase,
  type LookupResult,
  type Procedure,
  type Technique,
} from '../../kb/index.js';
import { dataDirOf } from '../context.js';
import { dataLayout } from '../../datadir/paths.js';
import { loadModel } from '../../embed/model-file.js';
import { defaultModelPath } from '../../embed/pipeline.js';
import { rankerFromSpec } from '../../embed/ranker.js';
import { buildTechniqueIndex, semanticSearch } from '../../embed/semantic-search.js';
import { renderTable, safeText, style, writeJson } from '../output.js';

interface KbOptions {
  json?: boolean;
  bundle?: string;
}

async function openKb(cmd: Command, opts: KbOptions): Promise<KnowledgeBase> {
  if (opts.bundle) return loadKnowledgeBaseFromFile(opts.bundle);
  return loadKnowledgeBase({ dataDir: dataDirOf(cmd) });
}

export function register(program: Command): void {
  const kb = program.command('kb').description('ATT&CK knowledge base: version and counts, objects, lexical technique search');

  kb.command('info')
    .description('ATT&CK version and counts of active objects')
    .option('--json', 'print JSON')
    .option('--bundle <file>', 'read this STIX bundle instead of the data dir')
    .action(async (opts: KbOptions, cmd: Command) => {
      const k = await openKb(cmd, opts);
      const counts = k.counts();
      if (opts.json) {
        writeJson({ ...k.info, counts, issues: k.issues.length });
        return;
      }
      const out = process.stdout;
      out.write(`${style('MITRE ATT&CK', 'bold')} ${k.info.attackVersion} (${k.info.domain}, STIX ${k.info.stixVersion}, version from ${k.info.versionSource})\n`);
      out.write(`bundle: ${safeText(k.info.bundlePath)}\n\n`);
      const rows: [string, number][] = [
        ['tactics', counts.tactics],
        ['techniques', counts.techniques],
        ['sub-techniques', counts.subtechniques],
        ['groups', counts.groups],
        ['software', counts.software],
        ['campaigns', counts.campaigns],
        ['mitigations', counts.mitigations],
        ['procedure examples', counts.procedures],
        ['detection strategies', counts.detectionStrategies],
        ['analytics', counts.analytics],
        ['data components', counts.dataComponents],
      ];
      out.write(renderTable(rows, [
        { header: 'active objects', value: (r) => r[0] },
        { header: 'count', value: (r) => r[1].toLocaleString('en-US'), align: 'right' },
      ]));
      if (k.issues.length > 0) out.write(`\n${k.issues.length} problem(s) in the bundle were skipped; run with --json for details\n`);
    });

  kb.command('show')
    .description('show a technique, tactic, group, software, campaign or mitigation by ATT&CK id, name or alias')
    .argument('<query...>', 'e.g. T1003.001, "OS Credential Dumping", mimikatz, G0016, execution')
    .option('--json', 'print JSON')
    .option('--bundle <file>', 'read this STIX bundle instead of the data dir')
    .action(async (words: string[], opts: KbOptions, cmd: Command) => {
      const query = words.join(' ').trim();
      const k = await openKb(cmd, opts);
      const results = k.lookup(query);
      if (results.length === 0) {
        throw new UserError(`no ATT&CK object matches "${safeText(query)}"`, undefined, `try: ttpscope kb search "${safeText(query)}"`);
      }
      if (results.length > 1) {
        if (opts.json) writeJson({ query, matches: results.map((r) => summary(r.entity)) });
        else {
          process.stdout.write(`${results.length} objects match "${safeText(query)}":\n`);
          process.stdout.write(renderTable(results.map((r) => summary(r.entity)), [
            { header: 'id', value: (r) => r.id },
            { header: 'kind', value: (r) => r.kind },
            { header: 'name', value: (r) => r.name },
            { header: 'status', value: (r) => r.status },
          ]));
        }
        return;
      }
      const result = results[0]!;
      if (opts.json) writeJson(detail(k, result));
      else process.stdout.write(renderEntity(k, result));
    });

  kb.command('search')
    .description('rank techniques for a free-text query (BM25F over names, descriptions and procedure examples; --semantic: the trained encoder)')
    .argument('<query...>', 'e.g. "dump credentials from lsass memory"')
    .option('--semantic', 'rank with the trained text encoder and its learned ranker instead of BM25 alone')
    .option('--model <file>', 'model file for --semantic (default: <data>/models/ttp-encoder.bin)')
    .option('--top <n>', 'number of results', '10')
    .option('--tactic <tactic>', 'only techniques of this tactic (id, shortname or name)')
    .option('--platform <platform>', 'only techniques on this platform (e.g. windows, linux)')
    .option('--json', 'print JSON')
    .option('--bundle <file>', 'read this STIX bundle instead of the data dir')
    .action(async (words: string[], opts: KbOptions & { top: string; tactic?: string; platform?: string; semantic?: boolean; model?: string }, cmd: Command) => {
      const query = words.join(' ').trim();
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 1 || top > 1000) throw new UserError(`--top must be an integer from 1 to 1000, got "${safeText(opts.top)}"`);
      const k = await openKb(cmd, opts);
      if (opts.tactic && !k.tactic(opts.tactic)) {
        throw new UserError(`unknown tactic "${safeText(opts.tactic)}"`, undefined, `tactics: ${k.tactics.map((t) => t.shortname).join(', ')}`);
      }
      if (opts.model && !opts.semantic) throw new UserError('--model only applies with --semantic', { path: '--model' });
      if (opts.semantic) return semanticKbSearch(cmd, k, query, top, opts);
      const hits = k.search(query, { top, ...(opts.tactic ? { tactic: opts.tactic } : {}), ...(opts.platform ? { platform: opts.platform } : {}) });
      if (opts.json) {
        writeJson({ query, attackVersion: k.info.attackVersion, results: hits });
        return;
      }
      if (hits.length === 0) {
        process.stdout.write(`no technique matches "${safeText(query)}"\n`);
        return;
      }
      const width = Math.max(40, (process.stdout.columns ?? 120) - 60);
      process.stdout.write(renderTable(hits.map((h, i) => ({ ...h, rank: i + 1 })), [
        { header: '#', value: (h) => h.rank, align: 'right' },
        { header: 'id', value: (h) => h.id },
        { header: 'name', value: (h) => h.name, max: 36 },
        { header: 'score', value: (h) => h.score.toFixed(2), align: 'right' },
        { header: 'best match', value: (h) => (h.snippet.sourceName ? `${h.snippet.sourceName}: ` : '') + h.snippet.text, max: width },
      ]));
    });
}

/**
 * `kb search --semantic`: the model's learned ranker (encoder cosines to
 * technique texts, procedure examples and labelled report sentences, plus
 * BM25, with fitted weights). A model trained without TRAM has no ranker;
 * then the encoder's nearest technique texts and procedure examples rank,
 * and the output says so.
 */
function semanticKbSearch(cmd: Command, k: KnowledgeBase, query: string, top: number, opts: KbOptions & { tactic?: string; platform?: string; model?: string }): void {
  const path = opts.model ?? defaultModelPath(dataLayout(dataDirOf(cmd)).modelsDir);
  const { model, header } = loadModel(path);
  const filter = { ...(opts.tactic ? { tactic: opts.tactic } : {}), ...(opts.platform ? { platform: opts.platform } : {}) };
  let method: string;
  let rows: { id: string; name: string; score: number; evidence: string }[];
  if (header.ranker) {
    method = 'learned ranker (encoder + k-NN memory + BM25)';
    rows = rankerFromSpec(model, k, header.ranker, path)
      .rank(query, top, filter)
      .map((m) => ({ id: m.id, name: k.technique(m.id)?.name ?? m.id, score: m.score, evidence: `${m.evidence.source}: ${m.evidence.text}` }));
  } else {
    method = 'encoder nearest entries (this model has no learned ranker: it was trained without TRAM)';
    const index = buildTechniqueIndex(model, k);
    const tactic = opts.tactic ? k.tactic(opts.tactic)?.shortname : undefined;
    rows = semanticSearch(model, index, query, { top, filter: { ...(tactic ? { tactic } : {}), ...(opts.platform ? { platform: opts.platform } : {}) } }).map((m) => ({
      id: m.id,
      name: k.technique(m.id)?.name ?? m.id,
      score: m.score,
      evidence: `${m.evidence.meta.source}: ${m.evidence.meta.text ?? ''}`,
    }));
  }
  if (opts.json) {
    writeJson({ query, attackVersion: k.info.attackVersion, method, model: path, results: rows });
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`no technique matches "${safeText(query)}"\n`);
    return;
  }
  if (process.stdout.isTTY) process.stdout.write(`${style(method, 'dim')}\n`);
  const width = Math.max(40, (process.stdout.columns ?? 120) - 60);
  process.stdout.write(renderTable(rows.map((h, i) => ({ ...h, rank: i + 1 })), [
    { header: '#', value: (h) => h.rank, align: 'right' },
    { header: 'id', value: (h) => h.id },
    { header: 'name', value: (h) => h.name, max: 36 },
    { header: 'score', value: (h) => h.score.toFixed(3), align: 'right' },
    { header: 'best match', value: (h) => h.evidence, max: width },
  ]));
}

interface Summary {
  id: string;
  kind: KbEntity['kind'];
  name: string;
  status: string;
}

function summary(e: KbEntity): Summary {
  const item = e.item as { id: string; name: string; status?: string };
  return { id: item.id, kind: e.kind, name: item.name, status: item.status ?? 'active' };
}

/** The JSON of `kb show`: the object plus what it links to, resolved. */
function detail(k: KnowledgeBase, r: LookupResult): Record<string, unknown> {
  const base = { kind: r.entity.kind, ...(r.redirectedFrom ? { redirectedFrom: r.redirectedFrom } : {}), ...(r.note ? { note: r.note } : {}) };
  const ref = (id: string) => {
    const hit = k.resolveId(id);
    return { id, name: hit ? (hit.item as { name: string }).name : undefined };
  };
  switch (r.entity.kind) {
    case 'technique': {
      const t = r.entity.item;
      const procedures = k.proceduresFor(t.id);
      return {
        ...base,
        ...t,
        parentName: t.parent ? k.technique(t.parent)?.name : undefined,
        subtechniques: t.subtechniques.map(ref),
        mitigations: t.mitigations.map(ref),
        procedureCount: procedures.length,
        procedures,
        detections: k.detectionsFor(t.id),
      };
    }
    case 'tactic':
      return { ...base, ...r.entity.item, techniques: k.techniquesByTactic(r.entity.item.id).map((t) => ({ id: t.id, name: t.name })) };
    case 'group':
    case 'software':
    case 'campaign': {
      const item = r.entity.item;
      const procedures = k.proceduresBy(item.id);
      return { ...base, ...item, procedureCount: procedures.length, techniques: usedTechniques(k, procedures) };
    }
    default:
      return { ...base, ...r.entity.item };
  }
}

function usedTechniques(k: KnowledgeBase, procedures: readonly Procedure[]): { id: string; name: string; procedures: number }[] {
  const counts = new Map<string, number>();
  for (const p of procedures) counts.set(p.techniqueId, (counts.get(p.techniqueId) ?? 0) + 1);
  return [...counts].map(([id, n]) => ({ id, name: k.technique(id)?.name ?? id, procedures: n })).sort((a, b) => (a.id < b.id ? -1 : 1));
}

// ---- text rendering ----

function wrap(text: string, indent = '  ', width = Math.min(100, process.stdout.columns ?? 100)): string {
  const out: string[] = [];
  for (const para of safeText(text.replace(/\r/g, '')).split('\n')) {
    if (!para.trim()) {
      out.push('');
      continue;
    }
    const hanging = /^- /.test(para) ? indent + '  ' : indent;
    let line = indent;
    for (const word of para.split(/ +/)) {
      if (line.length + word.length + 1 > width && line.trim()) {
        out.push(line.trimEnd());
        line = hanging;
      }
      line += (line.trim() ? ' ' : '') + word;
    }
    out.push(line.trimEnd());
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/** `Label       value`, long values wrapped under the value column. */
function field(label: string, value: string | undefined): string {
  if (!value) return '';
  const body = wrap(value, ' '.repeat(12)).slice(12);
  return `${style(label.padEnd(12), 'dim')}${body}`;
}

function references(notes: readonly Footnote[]): string {
  if (notes.length === 0) return '';
  let out = `\n${style('References', 'bold')}\n`;
  for (const f of notes) out += wrap(`[${f.n}] ${f.description ?? f.source}${f.url ? ' ' + f.url : ''}`, '  ');
  return out;
}

function renderEntity(k: KnowledgeBase, r: LookupResult): string {
  let out = '';
  if (r.note) out += style(`note: ${r.note}\n`, 'yellow');
  const tacticNames = (shortnames: readonly string[]) => shortnames.map((s) => { const t = k.tactic(s); return t ? `${t.name} (${t.id})` : s; }).join(', ');
  switch (r.entity.kind) {
    case 'technique':
      return out + renderTechnique(k, r.entity.item, tacticNames);
    case 'tactic': {
      const t = r.entity.item;
      const techs = k.techniquesByTactic(t.id);
      out += `${style(`${t.id}  ${t.name}`, 'bold')}  (tactic ${t.order + 1} of ${k.tactics.length}, shortname ${t.shortname})\n`;
      out += field('URL', t.url);
      out += '\n' + wrap(plainText(t.description));
      out += `\n${style(`Techniques (${techs.filter((x) => !x.isSubtechnique).length}, with ${techs.filter((x) => x.isSubtechnique).length} sub-techniques)`, 'bold')}\n`;
      out += renderTable(techs.filter((x) => !x.isSubtechnique), [
        { header: 'id', value: (x) => x.id },
        { header: 'name', value: (x) => x.name },
        { header: 'sub-techniques', value: (x) => x.subtechniques.length, align: 'right' },
      ]);
      return out;
    }
    case 'group':
    case 'software':
    case 'campaign': {
      const item = r.entity.item;
      const kind = r.entity.kind === 'software' ? (r.entity.item as { kind: string }).kind : r.entity.kind;
      const procedures = k.proceduresBy(item.id);
      out += `${style(`${item.id}  ${item.name}`, 'bold')}  (${kind}${item.status !== 'active' ? ', ' + item.status : ''})\n`;
      out += field('Aliases', item.aliases.join(', '));
      if ('platforms' in item) out += field('Platforms', item.platforms.join(', '));
      if ('firstSeen' in item) out += field('Seen', [item.firstSeen?.slice(0, 10), item.lastSeen?.slice(0, 10)].filter(Boolean).join(' to '));
      if ('attributedTo' in item) out += field('Attributed', item.attributedTo.map((g) => `${g} ${k.group(g)?.name ?? ''}`.trim()).join(', '));
      if ('software' in item) out += field('Software', item.software.map((s) => `${s} ${k.softwareBy(s)?.name ?? ''}`.trim()).join(', '));
      out += field('URL', item.url);
      const d = withFootnotes(item.description, item.citations);
      out += '\n' + wrap(d.text);
      const used = usedTechniques(k, procedures);
      out += `\n${style(`Techniques used (${used.length}, from ${procedures.length} procedure examples)`, 'bold')}\n`;
      out += renderTable(used, [
        { header: 'id', value: (x) => x.id },
        { header: 'name', value: (x) => x.name },
        { header: 'examples', value: (x) => x.procedures, align: 'right' },
      ]);
      out += references(d.footnotes);
      return out;
    }
    default: {
      const item = r.entity.item as { id: string; name: string; description?: string; techniques?: string[] };
      out += `${style(`${item.id}  ${item.name}`, 'bold')}  (${r.entity.kind})\n`;
      if (item.description) out += '\n' + wrap(plainText(item.description));
      if (item.techniques?.length) out += `\n${field('Techniques', item.techniques.map((t) => `${t} ${k.technique(t)?.name ?? ''}`).join(', '))}`;
      return out;
    }
  }
}

function renderTechnique(k: KnowledgeBase, t: Technique, tacticNames: (s: readonly string[]) => string): string {
  let out = `${style(`${t.id}  ${t.name}`, 'bold')}${t.status !== 'active' ? style(`  [${t.status}]`, 'yellow') : ''}\n`;
  if (t.parent) out += field('Parent', `${t.parent} ${k.technique(t.parent)?.name ?? ''}`);
  out += field('Tactics', tacticNames(t.tactics));
  out += field('Platforms', t.platforms.join(', '));
  if (t.revokedBy) out += field('Revoked by', `${t.revokedBy} ${k.technique(t.revokedBy)?.name ?? ''}`);
  out += field('Version', [t.version, t.modified ? `modified ${t.modified.slice(0, 10)}` : undefined].filter(Boolean).join(', '));
  out += field('URL', t.url);
  if (t.subtechniques.length) {
    out += field('Sub-techn.', t.subtechniques.map((s) => `${s} ${k.technique(s)?.name ?? ''}`).join('; '));
  }
  if (t.mitigations.length) out += field('Mitigations', t.mitigations.map((m) => `${m} ${k.mitigation(m)?.name ?? ''}`).join('; '));
  const d = withFootnotes(t.description, t.citations);
  out += `\n${style('Description', 'bold')}\n` + wrap(d.text);

  const procedures = k.proceduresFor(t.id);
  out += `\n${style(`Procedure examples: ${procedures.length}`, 'bold')}${procedures.length > 5 ? ' (first 5; --json lists all)' : ''}\n`;
  for (const p of procedures.slice(0, 5)) {
    out += wrap(`- ${p.sourceId} ${p.sourceName}: ${plainText(p.description)}`);
  }

  const detections = k.detectionsFor(t.id);
  out += `\n${style(`Detection strategies: ${detections.length}`, 'bold')}\n`;
  for (const { strategy, analytics } of detections) {
    out += `  ${strategy.id}  ${safeText(strategy.name)}\n`;
    for (const a of analytics) {
      out += `    ${a.id} [${a.platforms.join(', ')}]\n`;
      out += wrap(a.description, '      ');
      const sources = [...new Set(a.logSources.map((l) => `${l.name}${l.channel ? ` (${l.channel})` : ''}`))];
      if (sources.length) out += wrap(`log sources: ${sources.join('; ')}`, '      ');
    }
  }
  out += references(d.footnotes);
  return out;
}
