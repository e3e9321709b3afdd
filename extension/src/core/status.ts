/**
 * The status bar item's text, tooltip and tone, summarising every session. Pure: the
 * adapter renders what this returns.
 */
import { percent, plural } from "./format";
import { displayName, forwardHealth, forwardStatusText, syncDetail, syncHealth } from "./describe";
import { State } from "./store";

export interface StatusView {
  /** Text with $(codicon) references, e.g. "$(sync~spin) Ferry 42%". */
  text: string;
  tooltip: string;
  /** warning and error get the matching status bar background. */
  tone: "normal" | "warning" | "error";
}

export function statusView(state: State): StatusView {
  const b = state.backend;
  switch (b.state) {
    case "starting":
      return { text: "$(loading~spin) Ferry starting", tooltip: "Connecting to the ferry daemon…", tone: "normal" };
    case "restarting":
      return {
        text: "$(debug-disconnect) Ferry disconnected",
        tooltip: `ferry --stdio stopped (${b.reason}); restarting (crash ${b.crashes})…`,
        tone: "error",
      };
    case "stopped":
      return {
        text: "$(error) Ferry stopped",
        tooltip: `The ferry backend is not running: ${b.reason}.\nRun "Ferry: Restart Backend" to start it again.`,
        tone: "error",
      };
  }
  const sync = state.syncOrder.map((id) => state.sync[id]);
  const forwards = state.forwardOrder.map((id) => state.forwards[id]);
  const lines = sync.map(syncDetail);
  for (const f of forwards) {
    lines.push(`${displayName(f)}: ${f.source} → ${f.destination}, ${forwardStatusText(f)}${f.lastError ? ` (${f.lastError})` : ""}`);
  }
  const tooltip = (lines.length ? lines.join("\n\n") : "No sessions.") + `\n\nferry daemon ${state.version ?? ""}`.trimEnd();

  const health = sync.map(syncHealth);
  const errors = health.filter((h) => h === "error").length + forwards.filter((f) => forwardHealth(f) === "error").length;
  if (errors > 0) {
    return { text: `$(error) Ferry ${plural(errors, "error")}`, tooltip, tone: "error" };
  }
  const conflicts = sync.reduce((n, s) => n + (s.paused ? 0 : s.conflictCount), 0);
  if (conflicts > 0) {
    return { text: `$(warning) Ferry ${plural(conflicts, "conflict")}`, tooltip, tone: "warning" };
  }
  const busy = sync.filter((s, i) => health[i] === "busy");
  if (busy.length > 0) {
    let done = 0;
    let total = 0;
    for (const s of busy) {
      if (s.staging) {
        done += s.staging.bytesDone;
        total += s.staging.bytesTotal;
      }
    }
    const text = total > 0 ? `$(sync~spin) Ferry ${percent(done, total)}%` : "$(sync~spin) Ferry syncing";
    return { text, tooltip, tone: "normal" };
  }
  if (sync.length === 0 && forwards.length === 0) {
    return { text: "$(circle-outline) Ferry idle", tooltip, tone: "normal" };
  }
  const active = sync.filter((s, i) => health[i] === "ok").length;
  if (active > 0) {
    return { text: "$(eye) Ferry watching", tooltip, tone: "normal" };
  }
  const forwarding = forwards.filter((f) => forwardHealth(f) === "ok").length;
  if (forwarding > 0) {
    return { text: `$(plug) Ferry forwarding ${forwarding}`, tooltip, tone: "normal" };
  }
  return { text: "$(debug-pause) Ferry paused", tooltip, tone: "normal" };
}
