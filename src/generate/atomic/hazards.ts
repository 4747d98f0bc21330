/**
 * What makes an Atomic test a poor stand-in for a report's procedure, beyond
 * how well it fits: it destroys the host it runs on (a plan is meant to be
 * replayed, and one test of T1070.004 wipes the root file system while
 * another deletes one file), or it needs payload files that are not installed
 * (the data dir holds the test definitions only; see SOURCE.md).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AtomicTest } from './schema.js';

/** Commands that leave no host to come back to. Anchored on words; linear. */
const DESTRUCTIVE: Array<[RegExp, string]> = [
  [/\brm\s+(?:-\S+\s+)+\/(?:[\s*]|$)/, 'removes the root file system'],
  [/--no-preserve-root/, 'removes the root file system'],
  // in command position (not `=HALT()` in a macro or a comment's word)
  [/(?:^|[;&|(]\s*|\bsudo\s+|\bthen\s+|\s)(?:shutdown|reboot|halt|poweroff)(?:\.exe)?(?=[ \t]|$)(?![ \t]+\/a\b)|\bRestart-Computer\b|\bStop-Computer\b|(?:^|[;&|]\s*)init\s+[06]\b/im, 'shuts down or restarts the host'],
  [/\bmkfs(?:\.\w+)?\s|\bdd\s+[^\n]*\bof=\/dev\/(?:sd|nvme|hd|vd|xvd|mmcblk)|\bformat(?:\.com)?\s+[a-z]:/i, 'overwrites a disk'],
  [/\bdd\s+[^\n]*\bof=\/var\/log\//i, 'overwrites the system log'],
  [/\/proc\/sysrq-trigger/, 'triggers a kernel reboot or crash'],
  [/\bcipher(?:\.exe)?\s+\/w\b/i, 'wipes the free space of a drive'],
];

export function destructiveReason(test: AtomicTest): string | undefined {
  const text = [test.executor.command ?? '', ...(test.dependencies ?? []).map((d) => d.get_prereq_command)].join('\n');
  for (const [re, why] of DESTRUCTIVE) if (re.test(text)) return why;
  if (/\b(?:is|are)\s+(?:[a-z]+\s+){0,3}(?<!non-)destructive\b/i.test(test.description)) return 'its description says it is destructive';
  return undefined;
}

/**
 * Payload files the test reads from the atomics folder (`PathToAtomicsFolder/T…/src|bin/…`,
 * `…\ExternalPayloads\…`) that are not installed under `atomicsDir`.
 */
export function missingPayloads(test: AtomicTest, atomicsDir: string | undefined): string[] {
  const text = JSON.stringify(test);
  const out = new Set<string>();
  for (const m of text.matchAll(/PathToAtomicsFolder((?:\\\\|[\\/])[^"\s'`;|&<>]{1,300})/g)) {
    const rel = m[1]!.replace(/\\\\/g, '/').replace(/\\/g, '/').replace(/^\/+/, '');
    if (/#\{/.test(rel)) continue;
    if (rel.startsWith('..') || !atomicsDir || !existsSync(join(atomicsDir, rel))) out.add(rel);
  }
  return [...out];
}
