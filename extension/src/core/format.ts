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

/** A duration in seconds as "45 s", "3 min", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.round(s / 60);
  if (m < 60) {
    return `${m} min`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long ago a time was, from now (ms): "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(time: string, now: number): string {
  const t = Date.parse(time);
  if (!Number.isFinite(t)) {
    return time;
  }
  const s = Math.max(0, (now - t) / 1000);
  if (s < 60) {
    return "just now";
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ago`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)} h ago`;
  }
  return plural(Math.floor(s / 86400), "day") + " ago";
}
