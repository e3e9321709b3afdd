/** Formatting helpers shared by the status bar and the trees. */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) {
    return "?";
  }
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Percentage of done in total, floored, 0 when total is 0. */
export function percent(done: number, total: number): number {
  if (total <= 0) {
    return 0;
  }
  return Math.min(100, Math.floor((done / total) * 100));
}
