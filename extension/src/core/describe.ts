/** What a session is doing, in words: shared by the status bar, the trees and pickers. */
import { ForwardSession, Status, SyncSession } from "../protocol.gen";
import { formatBytes, percent, plural } from "./format";

/** Statuses in which a cycle is running (something is being synchronized). */
const busy = new Set<string>([
  Status.ConnectingAlpha,
  Status.ConnectingBeta,
  Status.Scanning,
  Status.WaitingForRescan,
  Status.Reconciling,
  Status.StagingAlpha,
  Status.StagingBeta,
  Status.Transitioning,
  Status.Saving,
]);

export type Health = "ok" | "busy" | "paused" | "conflicts" | "error";

/** The name a person knows a session by. */
export function displayName(s: { id: string; name?: string }): string {
  return s.name || s.id.slice(0, 12);
}

export function isHalted(s: SyncSession): boolean {
  return s.status.startsWith("halted-");
}

export function isBusy(s: SyncSession): boolean {
  return busy.has(s.status);
}

/** The one word that sums a sync session up. */
export function syncHealth(s: SyncSession): Health {
  if (s.paused || s.status === Status.Paused) {
    return "paused";
  }
  if (isHalted(s) || s.status === Status.Disconnected || s.lastError) {
    return "error";
  }
  if (s.conflictCount > 0) {
    return "conflicts";
  }
  return isBusy(s) ? "busy" : "ok";
}

export function forwardHealth(f: ForwardSession): Health {
  if (f.paused || f.status === "paused") {
    return "paused";
  }
  if (f.lastError || f.status === "disconnected") {
    return "error";
  }
  return f.status === "forwarding" ? "ok" : "busy";
}

/** A sync session's status in a few words ("staging beta 42%", "watching"). */
export function syncStatusText(s: SyncSession): string {
  if (s.paused) {
    return "paused";
  }
  const st = s.staging;
  if (st && (s.status === Status.StagingAlpha || s.status === Status.StagingBeta)) {
    const pct = st.bytesTotal > 0 ? ` ${percent(st.bytesDone, st.bytesTotal)}%` : "";
    return `staging ${st.side}${pct} (${st.filesDone}/${st.filesTotal} files)`;
  }
  return s.status.replace(/-/g, " ");
}

/** A longer description of a sync session for tooltips. */
export function syncDetail(s: SyncSession): string {
  const lines = [`${displayName(s)}: ${syncStatusText(s)}`, `alpha: ${s.alpha.url}`, `beta: ${s.beta.url}`];
  if (s.staging) {
    const st = s.staging;
    lines.push(
      `staging to ${st.side}: ${formatBytes(st.bytesDone)} of ${formatBytes(st.bytesTotal)}, ` +
        `${st.filesDone} of ${st.filesTotal} files, ${formatBytes(st.rate)}/s`,
    );
  }
  if (s.conflictCount > 0) {
    lines.push(plural(s.conflictCount, "conflict"));
  }
  const problems = s.alpha.problemCount + s.beta.problemCount;
  if (problems > 0) {
    lines.push(plural(problems, "problem"));
  }
  if (s.lastError) {
    lines.push(`error: ${s.lastError}`);
  }
  lines.push(`mode: ${s.config.mode || "two-way-safe"}, ${plural(s.cycles, "cycle")}`);
  return lines.join("\n");
}

export function forwardStatusText(f: ForwardSession): string {
  if (f.paused) {
    return "paused";
  }
  return f.status.replace(/-/g, " ");
}

export function forwardCounters(f: ForwardSession): string {
  return `${f.openConnections} open, ${f.totalConnections} total, ↑${formatBytes(f.bytesOut)} ↓${formatBytes(f.bytesIn)}`;
}
