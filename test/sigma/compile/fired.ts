/** Shared by the prefilter tests: what the fast path fires, checked against trying every rule alone. */
import assert from 'node:assert/strict';
import type { CompiledRuleSet } from '../../../src/sigma/index.js';

/** Titles matched by `matchEvent` (dispatch + prefilters), asserted equal to brute force over every rule. */
export function fired(set: CompiledRuleSet, event: Record<string, unknown>): string[] {
  const fast = set.matchEvent(event).map((m) => m.rule.ref.title).sort();
  const slow = set.rules.filter((r) => r.match(event) !== undefined).map((r) => r.ref.title).sort();
  assert.deepEqual(fast, slow, `fast path disagrees with brute force on ${JSON.stringify(event)}`);
  return fast;
}
