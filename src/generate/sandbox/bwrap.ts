/**
 * Running Linux emulation commands, and only inside a bubblewrap sandbox:
 *
 * - every namespace unshared (no network: only a loopback device; own PID,
 *   IPC, UTS, cgroup and user namespaces), no further user namespaces, a new
 *   session (no terminal injection), the sandbox dies with us;
 * - a throwaway file system: /usr read-only (with /usr/local hidden), a
 *   private copy of /etc, and fresh size-limited tmpfs for /tmp, /root,
 *   /home, /var (with its usual folders), /opt, /run — all gone when the
 *   step ends;
 * - an empty environment (PATH, HOME, LANG only);
 * - limits: wall-clock timeout (SIGKILL), CPU seconds, address space, file
 *   size, open files, and processes (run as `nobody` outside the sandbox
 *   when we are root, so the process limit applies and a fork bomb stops).
 *
 * Phases (prerequisite check, prerequisite install, command, cleanup) run in
 * one sandbox in order, each with its exit status recorded.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BWRAP = '/usr/bin/bwrap';

export interface SandboxPhase {
  name: string;
  script: string;
  shell: 'sh' | 'bash';
  /** Run only when this earlier phase failed (prerequisite install and re-check after a failed check). */
  onlyIfFailed?: string;
}

export interface PhaseResult {
  name: string;
  exitCode?: number;
  ran: boolean;
  output: string;
}

export interface SandboxResult {
  status: 'completed' | 'timeout' | 'error' | 'unavailable';
  phases: PhaseResult[];
  durationMs: number;
  error?: string;
}

export interface SandboxOptions {
  timeoutMs?: number;
  cpuSeconds?: number;
  memoryBytes?: number;
  maxProcesses?: number;
  /** Bytes of output kept per phase. */
  outputBytes?: number;
  /** The bubblewrap binary (tests point it at a missing path; there is no way to run without it). */
  bwrap?: string;
}

const NOBODY = 65534;

/**
 * `sudo` inside the sandbox, where commands already run as root (uid 0 in
 * its user namespace): options are dropped and the command runs as is, as
 * sudo would for root. The host's own sudo (if any) cannot work there — its
 * owner is not mapped into the namespace.
 */
const SUDO_SHIM = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    -u|-g|-p|-C|-h|-r|-t|-U|-D|-R|-T) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ $# -eq 0 ] && exit 0
exec "$@"
`;

export function sandboxAvailable(bwrap: string = BWRAP): boolean {
  return bwrap.startsWith('/') && existsSync(bwrap);
}

/**
 * A private copy of /etc with what any local user may read (world-readable
 * files, links, folders): secrets such as /etc/shadow or host keys never
 * enter the sandbox. Placeholder shadow files (locked accounts) stand in, so
 * commands that read them behave as on a normal host without seeing ours.
 */
function copyEtc(to: string): void {
  cpSync('/etc', to, {
    recursive: true,
    dereference: false,
    errorOnExist: false,
    force: true,
    filter: (src) => {
      try {
        const st = lstatSync(src);
        if (st.isSymbolicLink()) return true;
        if (st.isDirectory()) return (st.mode & 0o005) === 0o005;
        if (!st.isFile()) return false;
        return (st.mode & 0o004) !== 0 && st.size <= 4 * 1024 * 1024;
      } catch {
        return false;
      }
    },
  });
  const users = existsSync(join(to, 'passwd')) ? readFileSync(join(to, 'passwd'), 'utf8').split('\n').map((l) => l.split(':')[0]).filter((u): u is string => !!u) : ['root'];
  writeFileSync(join(to, 'shadow'), users.map((u) => `${u}:*:19700:0:99999:7:::`).join('\n') + '\n', { mode: 0o640 });
  writeFileSync(join(to, 'gshadow'), 'root:*::\n', { mode: 0o640 });
}

function chownTree(path: string, uid: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, uid, uid);
  if (!st.isDirectory()) return;
  for (const n of readdirSync(path)) chownTree(join(path, n), uid);
}

function wrapperScript(phases: SandboxPhase[]): string {
  const lines = ['#!/bin/sh', 'set +e', 'S=/.ttpscope/status'];
  for (const p of phases) {
    const run = `${p.shell === 'bash' ? '/bin/bash' : '/bin/sh'} /.ttpscope/${p.name}.sh > "$S/${p.name}.out" 2>&1 < /dev/null; echo $? > "$S/${p.name}.rc"`;
    if (p.onlyIfFailed) lines.push(`if [ "$(cat "$S/${p.onlyIfFailed}.rc" 2>/dev/null)" != "0" ]; then ${run}; fi`);
    else lines.push(run);
  }
  return lines.join('\n') + '\n';
}

export async function runInSandbox(phases: SandboxPhase[], opts: SandboxOptions = {}): Promise<SandboxResult> {
  const started = Date.now();
  const bwrap = opts.bwrap ?? BWRAP;
  if (!sandboxAvailable(bwrap)) return { status: 'unavailable', phases: [], durationMs: 0, error: `${bwrap} is not installed (Debian package bubblewrap): nothing was run` };
  const root = mkdtempSync(join(tmpdir(), 'ttpscope-sandbox-'));
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  try {
    const etc = join(root, 'etc');
    const ctl = join(root, 'ctl');
    const status = join(ctl, 'status');
    mkdirSync(status, { recursive: true });
    copyEtc(etc);
    for (const p of phases) writeFileSync(join(ctl, `${p.name}.sh`), p.script.endsWith('\n') ? p.script : p.script + '\n');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sudo'), SUDO_SHIM, { mode: 0o755 });
    writeFileSync(join(ctl, 'run.sh'), wrapperScript(phases));
    chmodSync(root, 0o755);
    if (asRoot) {
      chownTree(etc, NOBODY);
      chownTree(status, NOBODY);
    }
    const tmpfsSize = String(64 * 1024 * 1024);
    const tmpfs = (path: string): string[] => ['--size', tmpfsSize, '--tmpfs', path];
    const bwrapArgs = [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--hostname', 'victim-01',
      '--uid', '0',
      '--gid', '0',
      '--ro-bind', '/usr', '/usr',
      '--tmpfs', '/usr/local',
      '--ro-bind', bin, '/usr/local/bin',
      '--symlink', 'usr/bin', '/bin',
      '--symlink', 'usr/sbin', '/sbin',
      '--symlink', 'usr/lib', '/lib',
      ...(existsSync('/usr/lib64') ? ['--symlink', 'usr/lib64', '/lib64'] : []),
      '--bind', etc, '/etc',
      '--perms', '1777', ...tmpfs('/tmp'),
      ...tmpfs('/root'),
      ...tmpfs('/home'),
      ...tmpfs('/var'),
      // the folders every Linux host has under /var (commands write to /var/tmp, read /var/log)
      '--perms', '1777', '--dir', '/var/tmp',
      '--dir', '/var/log',
      '--dir', '/var/lib',
      '--dir', '/var/cache',
      '--dir', '/var/spool',
      ...tmpfs('/opt'),
      ...tmpfs('/run'),
      '--proc', '/proc',
      '--dev', '/dev',
      '--ro-bind', ctl, '/.ttpscope',
      '--bind', status, '/.ttpscope/status',
      '--chdir', '/root',
      '--clearenv',
      '--setenv', 'PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--setenv', 'HOME', '/root',
      '--setenv', 'USER', 'root',
      '--setenv', 'LANG', 'C.UTF-8',
      '--setenv', 'TERM', 'dumb',
      '/bin/sh', '/.ttpscope/run.sh',
    ];
    const limits = [
      `--nproc=${opts.maxProcesses ?? 128}`,
      `--as=${opts.memoryBytes ?? 1024 * 1024 * 1024}`,
      `--fsize=${64 * 1024 * 1024}`,
      `--cpu=${opts.cpuSeconds ?? 20}`,
      '--nofile=256',
      '--core=0',
    ];
    const argv = asRoot
      ? ['/usr/bin/setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '/usr/bin/prlimit', ...limits, '--', bwrap, ...bwrapArgs]
      : ['/usr/bin/prlimit', ...limits, '--', bwrap, ...bwrapArgs];
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const outcome = await new Promise<{ code: number | null; timedOut: boolean; error?: string; stderr: string }>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: {}, detached: false });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => {
        if (stderr.length < 4096) stderr += b.toString('utf8');
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, timedOut, error: e.message, stderr });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, timedOut, stderr });
      });
    });
    const keep = opts.outputBytes ?? 2048;
    const results: PhaseResult[] = phases.map((p) => {
      const rcFile = join(status, `${p.name}.rc`);
      const outFile = join(status, `${p.name}.out`);
      const ran = existsSync(rcFile);
      const r: PhaseResult = { name: p.name, ran, output: existsSync(outFile) ? readFileSync(outFile, 'utf8').slice(0, keep) : '' };
      if (ran) {
        const n = Number(readFileSync(rcFile, 'utf8').trim());
        if (Number.isInteger(n)) r.exitCode = n;
      }
      return r;
    });
    if (outcome.error) return { status: 'error', phases: results, durationMs: Date.now() - started, error: outcome.error };
    if (outcome.timedOut) return { status: 'timeout', phases: results, durationMs: Date.now() - started, error: `killed after ${timeoutMs} ms` };
    if (outcome.code !== 0 && results.every((r) => !r.ran)) return { status: 'error', phases: results, durationMs: Date.now() - started, error: outcome.stderr.trim().split('\n')[0] || `sandbox exited with ${outcome.code}` };
    return { status: 'completed', phases: results, durationMs: Date.now() - started };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
