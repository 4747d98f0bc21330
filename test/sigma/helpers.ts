/** Test helpers for the Sigma engine: compile inline YAML, flatten XML-as-JSON Windows events. */
import { compileRules, loadRuleText, type CompiledRuleSet, type CompileOptions, type RuleCollection } from '../../src/sigma/index.js';

export function collect(yaml: string, file = 'inline.yml'): RuleCollection {
  return loadRuleText(yaml, file);
}

/** Compile inline YAML; throws if the YAML did not load (tests of bad input use `collect`). */
export function compileYaml(yaml: string, opts: CompileOptions = {}): CompiledRuleSet {
  const c = collect(yaml);
  if (c.issues.some((i) => i.severity === 'error')) throw new Error(c.issues.map((i) => i.message).join('; '));
  return compileRules(c, opts);
}

/** A one-selection rule around a detection body (YAML lines indented by 4). */
export function ruleYaml(detection: string, extra = ''): string {
  return `title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: windows}\n${extra}detection:\n${detection}\n`;
}

/** Whether the rule set matches the event (at least one rule). */
export function matches(set: CompiledRuleSet, event: Record<string, unknown>): boolean {
  return set.matchEvent(event).length > 0;
}

/** Split concatenated pretty-printed JSON objects (the regression `.json` samples). */
export function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  let esc = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const attr = (o: unknown, k: string): unknown => ((o as Obj | undefined)?.['#attributes'] as Obj | undefined)?.[k];

/**
 * Flatten `{Event: {System, EventData|UserData}}` to the python-evtx shape the
 * engine expects (what the log readers yield). Test-side only: the real
 * flattening belongs to src/logs.
 */
export function flattenWindowsEvent(o: unknown): Obj {
  const ev = (o as Obj).Event as Obj;
  const sys = ev.System as Obj;
  const f: Obj = {};
  const eid = sys.EventID;
  f.EventID = typeof eid === 'object' && eid !== null ? (eid as Obj)['#text'] : eid;
  f.Channel = sys.Channel;
  f.Computer = sys.Computer;
  f.Provider_Name = attr(sys.Provider, 'Name');
  f.TimeCreated = attr(sys.TimeCreated, 'SystemTime');
  f.EventRecordID = sys.EventRecordID;
  const data = (ev.EventData ?? ev.UserData) as Obj | undefined;
  if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) {
      if (k === '#attributes') continue;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v as Obj)) if (k2 !== '#attributes') f[k2] = v2;
      } else f[k] = v;
    }
  }
  return f;
}
