/**
 * Atomic input arguments filled from the report: URLs, hosts, addresses,
 * file paths, registry keys, task, service and account names, and tools
 * that the procedure (its IOCs and objects) names, matched to arguments by
 * type and name. A report value is used only when it can stand in its
 * placeholders exactly as it is — no quoting needed in any of them for the
 * executor's shell — so the Atomic YAML (where the runner substitutes
 * defaults verbatim) and the concrete command are the same and inert.
 * Otherwise the test's default stays and the plan says why.
 */
import type { AtiDocument, Procedure } from '../../intel/schema.js';
import { baseName, classifyArg, extensionOf, urlHost } from '../command/classify.js';
import { quoteForPlaceholder } from './quote.js';
import type { AtomicExecutorName, AtomicTest } from './schema.js';

export interface Candidate {
  value: string;
  /** IOC id, or `object:<kind>`, or `tool`. */
  ref: string;
}

export interface ReportValues {
  urls: Candidate[];
  domains: Candidate[];
  ips: Candidate[];
  files: Candidate[];
  registry: Candidate[];
  tasks: Candidate[];
  services: Candidate[];
  accounts: Candidate[];
  tools: Candidate[];
}

export function reportValues(doc: AtiDocument, p: Procedure): ReportValues {
  const v: ReportValues = { urls: [], domains: [], ips: [], files: [], registry: [], tasks: [], services: [], accounts: [], tools: [] };
  const iocs = new Map(doc.iocs.map((i) => [i.id, i]));
  for (const id of p.iocs) {
    const i = iocs.get(id);
    if (!i) continue;
    const c = { value: i.value, ref: i.id };
    if (i.type === 'url') {
      v.urls.push(c);
      const h = urlHost(i.value);
      if (h) (classifyArg(h) === 'ipv4' ? v.ips : v.domains).push({ value: h, ref: i.id });
    } else if (i.type === 'domain') v.domains.push(c);
    else if (i.type === 'ipv4' || i.type === 'ipv6') v.ips.push(c);
    else if (i.type === 'file-path' || i.type === 'file-name') v.files.push(c);
    else if (i.type === 'registry-key') v.registry.push(c);
  }
  for (const o of p.objects) {
    const c = { value: o.value, ref: `object:${o.kind}` };
    if (o.kind === 'file') v.files.push(c);
    else if (o.kind === 'registry') v.registry.push(c);
    else if (o.kind === 'task') v.tasks.push(c);
    else if (o.kind === 'service') v.services.push(c);
    else if (o.kind === 'account') v.accounts.push(c);
    else if (o.kind === 'url') v.urls.push(c);
    else if (o.kind === 'domain') v.domains.push(c);
    else if (o.kind === 'network') (classifyArg(o.value) === 'ipv4' ? v.ips : v.domains).push(c);
  }
  if (p.tool) v.tools.push({ value: p.tool.name, ref: 'tool' });
  return v;
}

export interface FilledArgument {
  name: string;
  type: string;
  description: string;
  /** The value used in the concrete command (and written as the Atomic default). */
  value: string;
  from: 'report' | 'default';
  ref?: string;
  /** Why a report value was not used. */
  note?: string;
}

type Pool = keyof ReportValues;

/** Which report values could fill an argument, best pool first. */
function poolsFor(name: string, type: string): Pool[] {
  const n = name.toLowerCase();
  const t = type.toLowerCase();
  // numbers (ports, counts, sizes, times) are never a report's name or address
  if (t === 'integer' || t === 'float' || /port|count|number|num_|size|timeout|delay|seconds|time$|length|limit/.test(n)) return [];
  if (t === 'url' || /url|uri/.test(n)) return ['urls'];
  // a path is a path even when it is the remote one (`remote_path`)
  if (t === 'path' || /file|path|folder|dir(ectory)?$/.test(n)) return /reg/.test(n) ? ['registry'] : ['files'];
  if (/(^|_)ip(_|$)|ip_?addr|address/.test(n)) return ['ips', 'domains'];
  if (/domain|host|server|c2|remote|dns|fqdn/.test(n)) return ['domains', 'ips'];
  if (/reg(istry)?_?(key|path)?|key_?path/.test(n)) return ['registry'];
  if (/task/.test(n)) return ['tasks'];
  if (/service|svc/.test(n)) return ['services'];
  if (/user(name)?|account/.test(n) && !/path|file/.test(n)) return ['accounts'];
  if (/exe|dll|binary|payload|output|script|dest/.test(n)) return ['files'];
  if (/tool/.test(n)) return ['tools'];
  return [];
}

function compatibleFile(candidate: string, def: string, platform: 'windows' | 'unix'): boolean {
  const c = candidate.trim();
  if (platform === 'windows' && c.startsWith('/')) return false;
  if (platform === 'unix' && (c.includes('\\') || /^[a-z]:/i.test(c))) return false;
  const de = extensionOf(def);
  const ce = extensionOf(c);
  if (/[\\/]$/.test(def) || (de === '' && def.includes(platform === 'windows' ? '\\' : '/'))) return ce === '' && /[\\/]$/.test(c); // a folder argument
  return de === '' || de === ce;
}

export function placeholderOffsets(text: string, name: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const needle = `#{${name}}`;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) out.push([i, i + needle.length]);
  return out;
}

/** Every script of the test (command, cleanup, prerequisites) with the executor that runs it. */
export function testScripts(test: AtomicTest): Array<[string, AtomicExecutorName]> {
  const out: Array<[string, AtomicExecutorName]> = [];
  const ex = test.executor;
  const depEx = test.dependency_executor_name ?? ex.name;
  if (ex.command) out.push([ex.command, ex.name]);
  if (ex.cleanup_command) out.push([ex.cleanup_command, ex.name]);
  if (ex.steps) out.push([ex.steps, 'manual']);
  for (const d of test.dependencies ?? []) out.push([d.prereq_command, depEx], [d.get_prereq_command, depEx]);
  return out;
}

/** Whether `value` can replace `#{name}` everywhere in the test unchanged and inert. */
function standsAsIs(test: AtomicTest, name: string, value: string): { ok: boolean; reason?: string } {
  for (const [text, executor] of testScripts(test)) {
    for (const [s, e] of placeholderOffsets(text, name)) {
      const q = quoteForPlaceholder(text, s, e, value, executor);
      if (!q.ok) return { ok: false, reason: q.reason };
      if (q.text !== value) return { ok: false, reason: `it would need quoting for ${executor} here, which the Atomic format cannot express` };
    }
  }
  return { ok: true };
}

/**
 * `isTool(name)`: whether a file name stands for a specific tool (psexec.exe,
 * procdump.exe); an argument whose default names one is only filled with the
 * same tool, never with another file of the report.
 */
export function fillArguments(test: AtomicTest, values: ReportValues, platform: 'windows' | 'unix', isTool: (name: string) => boolean = () => false): FilledArgument[] {
  const out: FilledArgument[] = [];
  for (const [name, spec] of Object.entries(test.input_arguments ?? {})) {
    const def = spec.default === null || spec.default === undefined ? '' : String(spec.default);
    const arg: FilledArgument = { name, type: spec.type, description: spec.description, value: def, from: 'default' };
    const notes: string[] = [];
    for (const pool of poolsFor(name, spec.type)) {
      let picked: Candidate | undefined;
      for (const c of values[pool]) {
        if (pool === 'files' && !compatibleFile(c.value, def, platform)) continue;
        const defName = baseName(def).toLowerCase();
        if (pool === 'files' && defName !== '' && isTool(defName) && baseName(c.value).toLowerCase() !== defName) {
          notes.push(`report value ${JSON.stringify(c.value.slice(0, 80))} (${c.ref}) not used: the argument names the tool ${defName}`);
          continue;
        }
        const ok = standsAsIs(test, name, c.value);
        if (!ok.ok) {
          notes.push(`report value ${JSON.stringify(c.value.slice(0, 80))} (${c.ref}) not used: ${ok.reason}`);
          continue;
        }
        picked = c;
        break;
      }
      if (picked) {
        arg.value = picked.value;
        arg.from = 'report';
        arg.ref = picked.ref;
        break;
      }
    }
    if (notes.length > 0) arg.note = notes.join('; ');
    out.push(arg);
  }
  return out;
}

/**
 * Replace `#{name}` by the argument values (already proven inert) and
 * `PathToAtomicsFolder` by the atomics folder — in the test's text and in the
 * defaults it substitutes (`default: PathToAtomicsFolder/T1027.002/bin/…`),
 * as the Atomic runner does; a report value is inserted as it is, never
 * rescanned.
 */
export function substitute(text: string, args: readonly FilledArgument[], atomicsFolder: string): string {
  const folder = (s: string): string => s.replace(/PathToAtomicsFolder/g, atomicsFolder);
  const byName = new Map(args.map((a) => [a.name, a.from === 'default' ? folder(a.value) : a.value]));
  return folder(text).replace(/#\{([^}\s]+)\}/g, (m, n: string) => byName.get(n) ?? m);
}
