/** CPU milliseconds spent by `fn` in this process: timing assertions that other load on the machine does not break. */
export function cpuMs(fn: () => void): number {
  const a = process.cpuUsage();
  fn();
  const b = process.cpuUsage(a);
  return (b.user + b.system) / 1000;
}
