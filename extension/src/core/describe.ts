/**
 * What a session is doing, in words and in one of a few phases: shared by the status
 * bar, the trees and pickers. The phases are calm and truthful: a pause is neutral; a
 * lost connection that ferry retries by itself reads "reconnecting" (a warning, not an
 * error); red is kept for what a person must act on (a safety halt).
 */
import { Endpoint, ForwardSession, Status, SyncSession } from "../protocol.gen";
import { formatBytes, formatDuration, percent, plural } from "./format";
import { hostName, NameContext, possessive, sideName, SideKey } from "./names";
import { isRemoteURL } from "./endpoints";

/** Statuses in which a cycle is running (something is being synchronized). */
const busy = new Set<string>([
  Status.Scanning,
  Status.WaitingForRescan,
  Status.Reconciling,
  Status.StagingAlpha,
  Status.StagingBeta,
  Status.Transitioning,
  Status.Saving,
]);

/**
 * Where a sync session is, as a person sees it. connecting and reconnecting are
 * "unsettled": they may flap, and the adapter debounces them (core/calm).
 */
export type Phase = "watching" | "syncing" | "paused" | "connecting" | "reconnecting" | "conflicts" | "problems" | "halted";

export type Tone = "normal" | "warning" | "error";

export const phaseTone: Record<Phase, Tone> = {
  watching: "normal",
  syncing: "normal",
  paused: "normal",
  connecting: "normal",
  reconnecting: "warning",
  conflicts: "warning",
  problems: "warning",
  halted: "error",
};

/** Kept for the forward view. */
export type Health = "ok" | "busy" | "paused" | "conflicts" | "error";

/** The name a person knows a session by when it has no better one. */
export function displayName(s: { id: string; name?: string }): string {
  return s.name || s.id.slice(0, 12);
}

export function isHalted(s: SyncSession): boolean {
  return s.status.startsWith("halted-");
}

export function isBusy(s: SyncSession): boolean {
  return busy.has(s.status);
}

/**
 * A side's connection: the daemon's endpoint status when it sends one; from an older
 * daemon, derived from connected and the session's pause.
 */
export function sideStatus(s: SyncSession, side: SideKey): "connecting" | "connected" | "disconnected" | "paused" {
  const e = s[side];
  if (s.paused || s.status === Status.Paused) {
    return "paused";
  }
  switch (e.status) {
    case Endpoint.Connecting:
    case Endpoint.Connected:
    case Endpoint.Disconnected:
    case Endpoint.Paused:
      return e.status;
  }
  if (e.connected) {
    return "connected";
  }
  return s.status === Status.ConnectingAlpha || s.status === Status.ConnectingBeta ? "connecting" : "disconnected";
}

/** Whether the session was ever connected (so a loss is a reconnection, not a first connection). */
function wasConnected(s: SyncSession): boolean {
  return s.cycles > 0 || !!s.lastCycle || !!s.lastError || s.alpha.scanned || s.beta.scanned;
}

/** The phase of a sync session, from its state alone (see core/calm for the debounced one). */
export function syncPhase(s: SyncSession): Phase {
  if (s.paused || s.status === Status.Paused) {
    return "paused";
  }
  if (isHalted(s)) {
    return "halted";
  }
  const sides = [sideStatus(s, "alpha"), sideStatus(s, "beta")];
  const down =
    s.status === Status.Disconnected ||
    s.status === Status.ConnectingAlpha ||
    s.status === Status.ConnectingBeta ||
    sides.some((x) => x === "connecting" || x === "disconnected");
  if (down) {
    return wasConnected(s) || sides.includes("disconnected") ? "reconnecting" : "connecting";
  }
  if (s.conflictCount > 0) {
    return "conflicts";
  }
  if (isBusy(s)) {
    return "syncing";
  }
  if (s.lastError || s.alpha.problemCount + s.beta.problemCount > 0) {
    return "problems";
  }
  return "watching";
}

/** The hosts a session waits for, while reconnecting ("devbox"). */
export function waitingFor(s: SyncSession): string[] {
  const remote = (["alpha", "beta"] as const).filter((side) => isRemoteURL(s[side].url));
  const down = remote.filter((side) => sideStatus(s, side) !== "connected");
  // While the session reconnects, a side may read connected for a moment: name its hosts all the same.
  return [...new Set((down.length ? down : remote).map((side) => hostName(s[side].url)))];
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

/** The one progress figure of a session while it stages: the share of bytes staged. */
export function progressPercent(s: SyncSession): number | undefined {
  const st = s.staging;
  if (!st || !(s.status === Status.StagingAlpha || s.status === Status.StagingBeta) || st.bytesTotal <= 0) {
    return undefined;
  }
  return percent(st.bytesDone, st.bytesTotal);
}

/** Seconds left at the current rate, when known. */
export function etaSeconds(s: SyncSession): number | undefined {
  const st = s.staging;
  if (!st || st.rate <= 0 || st.bytesTotal <= st.bytesDone) {
    return undefined;
  }
  return (st.bytesTotal - st.bytesDone) / st.rate;
}

/** Words for a halt: what happened (the daemon's lastError says what to do). */
const haltWords: Record<string, string> = {
  [Status.HaltedRootDeleted]: "halted: a folder was deleted",
  [Status.HaltedRootEmptied]: "halted: a folder was emptied",
  [Status.HaltedRootTypeChange]: "halted: a folder was replaced",
  [Status.HaltedMassDeletion]: "halted: many files deleted",
  [Status.HaltedReplicaChanged]: "halted: a side is no longer the same",
  [Status.HaltedTooManyEntries]: "halted: too many files",
};

/** A sync session's status in a few words ("syncing 42%", "watching", "reconnecting to devbox"). */
export function syncStatusText(s: SyncSession, phase: Phase = syncPhase(s)): string {
  switch (phase) {
    case "paused":
      return "paused";
    case "halted":
      return haltWords[s.status] ?? "halted";
    case "connecting":
      return "connecting";
    case "reconnecting": {
      const hosts = waitingFor(s);
      return hosts.length ? `reconnecting to ${hosts.join(", ")}` : "reconnecting";
    }
    case "conflicts":
      return plural(s.conflictCount, "conflict");
    case "syncing": {
      const pct = progressPercent(s);
      return pct === undefined ? "syncing" : `syncing ${pct}%`;
    }
    case "problems":
      return s.lastError ? "retrying after an error" : `watching · ${plural(s.alpha.problemCount + s.beta.problemCount, "problem")}`;
    case "watching":
      return "watching";
  }
}

/** Progress in bytes and time: "120 MB of 384 MB, 12 MB/s, about 22 s left". */
export function progressDetail(s: SyncSession): string | undefined {
  const st = s.staging;
  if (!st) {
    return undefined;
  }
  const eta = etaSeconds(s);
  return (
    `${formatBytes(st.bytesDone)} of ${formatBytes(st.bytesTotal)}, ${st.filesDone} of ${plural(st.filesTotal, "file")}` +
    (st.rate > 0 ? `, ${formatBytes(st.rate)}/s` : "") +
    (eta !== undefined ? `, about ${formatDuration(eta)} left` : "")
  );
}

/** A longer description of a sync session for tooltips. */
export function syncDetail(s: SyncSession, ctx: NameContext, phase: Phase = syncPhase(s)): string {
  const a = sideName(s, "alpha", ctx);
  const b = sideName(s, "beta", ctx);
  const lines = [`${syncStatusText(s, phase)}`, `${a}: ${s.alpha.url}`, `${b}: ${s.beta.url}`];
  const p = progressDetail(s);
  if (p && phase === "syncing") {
    lines.push(`copying to ${sideName(s, s.staging!.side === "alpha" ? "alpha" : "beta", ctx)}: ${p}`);
  }
  const problems = s.alpha.problemCount + s.beta.problemCount;
  if (problems > 0) {
    lines.push(plural(problems, "file") + " not synchronized (see the session's sides)");
  }
  if (s.lastError) {
    lines.push(s.lastError);
  }
  lines.push(`${modeText(s, ctx)}${s.name ? ` · session ${s.name}` : ""}`);
  return lines.join("\n");
}

/** The mode in words, with sides named by place. */
export function modeText(s: SyncSession, ctx: NameContext): string {
  const a = sideName(s, "alpha", ctx);
  const b = sideName(s, "beta", ctx);
  switch (s.config?.mode || "two-way-safe") {
    case "two-way-resolved":
      return `both ways; ${possessive(a)} version wins conflicts`;
    case "one-way-safe":
      return `from ${a} to ${b}; edits made on ${b} are kept`;
    case "one-way-replica":
      return `${b} mirrors ${a}`;
    default:
      return "both ways; edits on both sides are conflicts";
  }
}

export function forwardStatusText(f: ForwardSession): string {
  if (f.paused) {
    return "paused";
  }
  if (f.status === "disconnected") {
    return "reconnecting";
  }
  return f.status.replace(/-/g, " ");
}

export function forwardCounters(f: ForwardSession): string {
  return `${f.openConnections} open, ${f.totalConnections} total, ↑${formatBytes(f.bytesOut)} ↓${formatBytes(f.bytesIn)}`;
}
