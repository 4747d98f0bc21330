/**
 * Progress for long work: a single redrawn line on a terminal, nothing when
 * stderr is piped or in CI, so logs and pipelines stay clean.
 */

export interface Progress {
  /** Report progress; `total` may be unknown. Cheap to call often (throttled). */
  update(done: number, total?: number, detail?: string): void;
  /** Clear the line; optionally print a final message (only on a terminal). */
  done(message?: string): void;
}

export const silentProgress: Progress = { update() {}, done() {} };

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI && process.env.TTPSCOPE_NO_PROGRESS === undefined;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!progressEnabled(stream)) return silentProgress;
  let last = 0;
  const started = Date.now();
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const pct = total ? ` ${((100 * done) / total).toFixed(1)}%` : '';
      const rate = done / Math.max((now - started) / 1000, 1e-3);
      const line = `${label}: ${done.toLocaleString('en-US')}${total ? '/' + total.toLocaleString('en-US') : ''}${pct} (${Math.round(rate).toLocaleString('en-US')}/s)${detail ? ' ' + detail : ''}`;
      stream.write('\r\x1b[2K' + line.slice(0, (stream.columns || 120) - 1));
    },
    done(message) {
      stream.write('\r\x1b[2K');
      if (message) stream.write(message + '\n');
    },
  };
}
