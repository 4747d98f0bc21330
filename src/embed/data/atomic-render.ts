/**
 * Atomic Red Team tests rendered as process-creation events: the executor
 * (cmd.exe, powershell.exe, sh/bash) runs the test's command with its default
 * input arguments substituted, and each command line that starts a program
 * becomes a child process. The provenance builder turns these into behaviour
 * sequences labelled with the test's technique.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LogRecord } from '../../logs/record.js';

export interface AtomicTest {
  technique: string;
  name: string;
  platforms: string[];
  executor: string;
  command: string;
  file: string;
}

const MAX_LINES = 12;
const MAX_LINE_CHARS = 600;

const CMD_BUILTINS = new Set(['echo', 'set', 'cd', 'del', 'copy', 'move', 'if', 'for', 'rem', 'mkdir', 'md', 'type', 'exit', 'call', 'goto', 'pushd', 'popd', 'start', '@echo', 'ren', 'rd', 'rmdir', 'dir', 'cls']);
const SH_BUILTINS = new Set(['echo', 'cd', 'export', 'if', 'then', 'else', 'fi', 'for', 'do', 'done', 'while', 'set', 'unset', 'source', '.', 'exit', 'return', 'local', 'read', 'true', 'false', 'printf', '[', '[[', '}', '{', 'case', 'esac', 'elif']);

/** Every test with a runnable executor, default arguments substituted. */
export function readAtomicTests(atomicsDir: string): AtomicTest[] {
  const out: AtomicTest[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(atomicsDir).filter((d) => /^T\d{4}(\.\d{3})?$/.test(d)).sort();
  } catch {
    return out;
  }
  for (const d of dirs) {
    const file = join(atomicsDir, d, `${d}.yaml`);
    let doc: { attack_technique?: string; atomic_tests?: unknown[] };
    try {
      doc = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: 100 }) as typeof doc;
    } catch {
      continue;
    }
    const technique = String(doc?.attack_technique ?? d).toUpperCase();
    for (const t of doc?.atomic_tests ?? []) {
      const test = t as { name?: string; supported_platforms?: string[]; input_arguments?: Record<string, { default?: unknown }>; executor?: { name?: string; command?: string } };
      const exec = test.executor;
      if (!exec?.command || !exec.name || exec.name === 'manual') continue;
      let command = String(exec.command);
      for (const [k, v] of Object.entries(test.input_arguments ?? {})) {
        const value = v?.default === undefined || v.default === null ? '' : String(v.default);
        command = command.split(`#{${k}}`).join(value);
      }
      out.push({ technique, name: String(test.name ?? ''), platforms: (test.supported_platforms ?? []).map(String), executor: exec.name, command, file });
    }
  }
  return out;
}

function firstWord(line: string): string {
  const m = /^\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(line);
  return (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').replace(/^&\s*/, '');
}

function windowsImage(word: string): string | undefined {
  const w = word.replace(/^["']|["']$/g, '');
  const lower = w.toLowerCase();
  if (!lower || CMD_BUILTINS.has(lower) || lower.startsWith('$') || lower.includes('(')) return undefined;
  if (/^[a-z]:\\|^\\\\|^%|^pathtoatomicsfolder/i.test(w)) return /\.[a-z0-9]{2,4}$/i.test(w) ? w : undefined;
  if (/^[a-z0-9_.-]+\.(exe|com|bat|cmd)$/i.test(w)) return `C:\\Windows\\System32\\${w}`;
  if (/^[a-z0-9_-]+$/i.test(w) && !/-/.test(w)) return `C:\\Windows\\System32\\${w}.exe`; // reg, net, schtasks …
  return undefined;
}

function unixImage(word: string): string | undefined {
  const w = word.replace(/^["']|["']$/g, '');
  if (!w || SH_BUILTINS.has(w) || w.startsWith('$') || w.includes('=') || w.startsWith('#')) return undefined;
  if (w.startsWith('/')) return w;
  if (/^[a-z0-9_.+-]+$/i.test(w)) return `/usr/bin/${w}`;
  return undefined;
}

/** Records for one test: the executor process, then one child per program-starting line. */
export function renderAtomic(test: AtomicTest, serial: number): LogRecord[] {
  const windows = test.executor === 'command_prompt' || test.executor === 'powershell';
  const lines = test.command
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.toLowerCase().startsWith('rem '))
    .slice(0, MAX_LINES)
    .map((l) => l.slice(0, MAX_LINE_CHARS));
  if (lines.length === 0) return [];
  let rootImage: string;
  let rootCmd: string;
  if (test.executor === 'command_prompt') {
    rootImage = 'C:\\Windows\\System32\\cmd.exe';
    rootCmd = `"cmd.exe" /c ${lines.join(' & ')}`;
  } else if (test.executor === 'powershell') {
    rootImage = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
    rootCmd = `"powershell.exe" & {${lines.join('; ')}}`;
  } else {
    rootImage = test.executor === 'bash' ? '/bin/bash' : '/bin/sh';
    rootCmd = `${test.executor} -c "${lines.join('; ')}"`;
  }
  const time = Date.UTC(2024, 1, 1) + serial * 1000;
  const guid = (n: number) => {
    const h = ((serial * 64 + n) >>> 0).toString(16).padStart(8, '0');
    return `{${h}-0000-4000-9000-${h}${h.slice(0, 4)}}`;
  };
  const rec = (n: number, fields: Record<string, unknown>): LogRecord => ({
    fields: {
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Computer: 'atomic',
      TimeCreated: new Date(time + n).toISOString(),
      EventRecordID: serial * 64 + n,
      User: windows ? 'host\\user' : 'user',
      IntegrityLevel: 'High',
      ...fields,
    },
    format: 'win-flat',
    source: { file: `atomic:${test.technique}`, record: n },
  });
  const records: LogRecord[] = [
    rec(0, {
      ProcessGuid: guid(0),
      ProcessId: String(2000 + (serial % 40000)),
      Image: rootImage,
      CommandLine: rootCmd,
      ParentProcessGuid: guid(63),
      ParentProcessId: '1000',
      ParentImage: windows ? 'C:\\Windows\\explorer.exe' : '/usr/sbin/sshd',
      ParentCommandLine: '',
    }),
  ];
  lines.forEach((line, i) => {
    const word = firstWord(line);
    const image = windows ? windowsImage(word) : unixImage(word);
    if (!image || i >= 60) return;
    records.push(
      rec(i + 1, {
        ProcessGuid: guid(i + 1),
        ProcessId: String(3000 + i),
        Image: image,
        CommandLine: line,
        ParentProcessGuid: guid(0),
        ParentProcessId: String(2000 + (serial % 40000)),
        ParentImage: rootImage,
        ParentCommandLine: rootCmd,
      }),
    );
  });
  return records;
}
