/**
 * All-or-nothing installation into the data dir. A setup stages every source
 * in `.setup-staging/new/<dir>` (same file system as the data dir), then
 * commits synchronously: a journal is written, each old folder is moved to
 * `.setup-staging/previous/<dir>`, each new one renamed into place, and the
 * manifest (carrying the journal's commit id) is renamed over the old one.
 * The manifest rename is the commit point. If the process dies before it,
 * the next setup finds the journal and puts the previous folders back; after
 * it, the next setup only deletes the leftovers. A lock file keeps two setups
 * from running in the same data dir at once.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { readManifest, writeManifestSync, type Manifest } from './manifest.js';
import { dataLayout } from './paths.js';

interface Journal {
  commitId: string;
  /** Folders (relative to the data dir) being replaced, and whether each existed before. */
  dirs: { dir: string; hadPrevious: boolean }[];
}

export class SetupTransaction {
  readonly commitId = randomUUID();
  readonly staging: string;
  private readonly lock: string;
  private locked = false;

  constructor(readonly dataDir: string) {
    const layout = dataLayout(dataDir);
    this.staging = layout.setupStaging;
    this.lock = layout.setupLock;
  }

  /** Take the lock, repair what an earlier killed setup left, and create a clean staging folder. */
  begin(): void {
    this.acquireLock();
    recoverStaging(this.dataDir);
    mkdirSync(join(this.staging, 'new'), { recursive: true });
    mkdirSync(join(this.staging, 'downloads'), { recursive: true });
  }

  /** Where a source is staged before the commit. */
  stagedDir(dir: string): string {
    return join(this.staging, 'new', dir);
  }

  downloadPath(name: string): string {
    return join(this.staging, 'downloads', name);
  }

  /**
   * Swap the staged folders in and write the manifest. Synchronous on purpose:
   * no signal handler or other task can run between the renames.
   */
  commit(dirs: readonly string[], manifest: Manifest): void {
    const journal: Journal = {
      commitId: this.commitId,
      dirs: dirs.map((dir) => ({ dir, hadPrevious: existsSync(join(this.dataDir, dir)) })),
    };
    writeFileSync(join(this.staging, 'journal.json'), JSON.stringify(journal));
    try {
      mkdirSync(join(this.staging, 'previous'), { recursive: true });
      for (const { dir, hadPrevious } of journal.dirs) {
        const live = join(this.dataDir, dir);
        if (hadPrevious) renameSync(live, join(this.staging, 'previous', dir));
        renameSync(this.stagedDir(dir), live);
      }
      writeManifestSync(this.dataDir, { ...manifest, commitId: this.commitId });
    } catch (err) {
      recoverStaging(this.dataDir); // put the previous folders back before reporting
      throw err;
    }
  }

  /**
   * Remove the staging folder (with any previous versions) and release the
   * lock. Does nothing without the lock: the staging folder may then belong
   * to the setup that holds it. Safe to call twice.
   */
  end(): void {
    if (!this.locked) return;
    rmSync(this.staging, { recursive: true, force: true });
    rmSync(`${dataLayout(this.dataDir).manifest}.tmp-${process.pid}`, { force: true });
    rmSync(this.lock, { force: true });
    this.locked = false;
  }

  private acquireLock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.lock, String(process.pid), { flag: 'wx' });
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number.parseInt(readFileSafe(this.lock), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new UserError(`another ttpscope setup (pid ${pid}) is using the data directory`, { file: this.lock }, 'wait for it to finish, or delete the lock file if that process is gone');
      }
      rmSync(this.lock, { force: true }); // stale: its process is gone
    }
    throw new UserError('cannot take the setup lock', { file: this.lock });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 32);
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Undo or finish what a setup killed mid-way left in the staging folder, then delete it. */
export function recoverStaging(dataDir: string): void {
  const staging = dataLayout(dataDir).setupStaging;
  if (!existsSync(staging)) return;
  let journal: Journal | undefined;
  try {
    journal = JSON.parse(readFileSync(join(staging, 'journal.json'), 'utf8')) as Journal;
  } catch {
    journal = undefined; // died before the commit started: nothing live was touched
  }
  if (journal && Array.isArray(journal.dirs)) {
    let committedId: string | undefined;
    try {
      committedId = readManifest(dataDir)?.commitId;
    } catch {
      committedId = undefined;
    }
    if (committedId !== journal.commitId) {
      // The commit did not reach its manifest: put every previous folder back.
      for (const { dir, hadPrevious } of journal.dirs) {
        if (typeof dir !== 'string' || dir.includes('/') || dir.startsWith('.')) continue;
        const live = join(dataDir, dir);
        const previous = join(staging, 'previous', dir);
        if (existsSync(previous)) {
          rmSync(live, { recursive: true, force: true });
          renameSync(previous, live);
        } else if (!hadPrevious) {
          rmSync(live, { recursive: true, force: true });
        }
      }
    }
  }
  rmSync(staging, { recursive: true, force: true });
}
