/**
 * Condition expressions: a tokenizer and a precedence-climbing parser
 * (`not` > `and` > `or`, parentheses) producing a `ConditionNode` tree.
 * Legacy aggregations (`| count() by x > 5`) and `near` are rejected with a
 * message pointing at correlation rules.
 */
import type { ConditionNode } from '../rule/types.js';

export type Token =
  | { kind: 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'them' | 'pipe' | 'of'; pos: number }
  | { kind: 'quant'; value: 'one' | 'all'; pos: number }
  | { kind: 'ident'; value: string; pos: number };

export class ConditionError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
  }
}

const IDENT = /[A-Za-z0-9_*\-.]/;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(') { out.push({ kind: 'lparen', pos: i }); i++; continue; }
    if (c === ')') { out.push({ kind: 'rparen', pos: i }); i++; continue; }
    if (c === '|') { out.push({ kind: 'pipe', pos: i }); i++; continue; }
    if (!IDENT.test(c)) throw new ConditionError(`unexpected character '${c}'`, i);
    const start = i;
    while (i < text.length && IDENT.test(text[i]!)) i++;
    const word = text.slice(start, i);
    const lower = word.toLowerCase();
    if (lower === 'and' || lower === 'or' || lower === 'not' || lower === 'of' || lower === 'them') out.push({ kind: lower, pos: start });
    else if (lower === 'all') out.push({ kind: 'quant', value: 'all', pos: start });
    else if (/^\d+$/.test(word)) {
      if (word !== '1') throw new ConditionError(`only '1 of' and 'all of' are defined, not '${word} of'`, start);
      out.push({ kind: 'quant', value: 'one', pos: start });
    } else out.push({ kind: 'ident', value: word, pos: start });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly text: string) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  parse(): ConditionNode {
    if (this.toks.length === 0) throw new ConditionError('empty condition', 0);
    const node = this.parseOr();
    const t = this.peek();
    if (t) {
      if (t.kind === 'pipe') throw new ConditionError('legacy aggregation (`| count() …`) is not part of Sigma v2; use a correlation rule', t.pos);
      throw new ConditionError(`unexpected '${this.text.slice(t.pos).split(/\s/)[0]}'`, t.pos);
    }
    return node;
  }

  private parseOr(): ConditionNode {
    const args = [this.parseAnd()];
    while (this.peek()?.kind === 'or') {
      this.i++;
      args.push(this.parseAnd());
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  }

  private parseAnd(): ConditionNode {
    const args = [this.parseNot()];
    while (this.peek()?.kind === 'and') {
      this.i++;
      args.push(this.parseNot());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  private parseNot(): ConditionNode {
    if (this.peek()?.kind === 'not') {
      this.i++;
      return { kind: 'not', arg: this.parseNot() };
    }
    return this.parseAtom();
  }

  private parseAtom(): ConditionNode {
    const t = this.peek();
    if (!t) throw new ConditionError('condition ends too early', this.text.length);
    if (t.kind === 'lparen') {
      this.i++;
      const inner = this.parseOr();
      const close = this.peek();
      if (close?.kind !== 'rparen') throw new ConditionError("missing ')'", close?.pos ?? this.text.length);
      this.i++;
      return inner;
    }
    if (t.kind === 'quant') {
      this.i++;
      const of = this.peek();
      if (of?.kind !== 'of') throw new ConditionError(`expected 'of' after '${t.value === 'one' ? '1' : 'all'}'`, of?.pos ?? this.text.length);
      this.i++;
      const target = this.peek();
      if (target?.kind === 'them') {
        this.i++;
        return { kind: 'of', quantifier: t.value, pattern: 'them' };
      }
      if (target?.kind === 'ident') {
        this.i++;
        return { kind: 'of', quantifier: t.value, pattern: target.value };
      }
      throw new ConditionError("expected a search identifier pattern or 'them' after 'of'", target?.pos ?? this.text.length);
    }
    if (t.kind === 'ident') {
      this.i++;
      if (t.value.includes('*')) throw new ConditionError(`wildcard '${t.value}' needs '1 of' or 'all of'`, t.pos);
      if (t.value.toLowerCase() === 'near') throw new ConditionError("legacy 'near' is not part of Sigma v2; use a temporal correlation rule", t.pos);
      return { kind: 'ref', name: t.value };
    }
    if (t.kind === 'pipe') throw new ConditionError('legacy aggregation (`| count() …`) is not part of Sigma v2; use a correlation rule', t.pos);
    throw new ConditionError(`unexpected '${t.kind === 'them' ? 'them' : t.kind}'`, t.pos);
  }
}

export function parseCondition(text: string): ConditionNode {
  const pipe = text.indexOf('|');
  if (pipe >= 0) throw new ConditionError('legacy aggregation or `| near` is not part of Sigma v2; express it as a correlation rule', pipe);
  return new Parser(tokenize(text), text).parse();
}

/** Search identifiers a pattern (`them`, `name`, `prefix*`) selects, in definition order. */
export function expandPattern(pattern: string, names: Iterable<string>): string[] {
  const out: string[] = [];
  if (pattern === 'them') {
    for (const n of names) if (!n.startsWith('_')) out.push(n);
    return out;
  }
  if (!pattern.includes('*')) {
    for (const n of names) if (n === pattern) out.push(n);
    return out;
  }
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  for (const n of names) if (re.test(n)) out.push(n);
  return out;
}

/** Every identifier and pattern the condition refers to. */
export function conditionRefs(node: ConditionNode, out: { refs: string[]; patterns: string[] } = { refs: [], patterns: [] }): { refs: string[]; patterns: string[] } {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const a of node.args) conditionRefs(a, out);
      break;
    case 'not':
      conditionRefs(node.arg, out);
      break;
    case 'ref':
      out.refs.push(node.name);
      break;
    case 'of':
      out.patterns.push(node.pattern);
      break;
  }
  return out;
}
