/**
 * The status bar item's text, tooltip, tone and click, summarising every session. Pure:
 * the adapter renders what this returns. Transient states (starting, reconnecting to
 * the daemon or to a host) live here, in the warning colour at most; red is for what a
 * person must act on (a missing binary, a daemon that keeps crashing, a halted
 * session).
 */
import { plural } from "./format";
import { forwardHealth, Phase, phaseTone, progressDetail, syncPhase, syncStatusText, Tone, waitingFor } from "./describe";
import { forwardTitle, NameContext, syncTitle } from "./names";
import { State } from "./store";
import { SyncSession } from "../protocol.gen";

export interface StatusView {
  /** Text with $(codicon) references, e.g. "$(sync~spin) Ferry 42%". */
  text: string;
  tooltip: string;
  /** warning and error get the matching status bar background. */
  tone: Tone;
  /** The command a click runs. */
  command: string;
}

const SHOW = "workbench.view.extension.ferry";

export function statusView(
  state: State,
  ctx: NameContext = { home: "", folders: [] },
  phaseOf: (s: SyncSession) => Phase = syncPhase,
): StatusView {
  const b = state.backend;
  switch (b.state) {
    case "starting":
      return { text: "$(loading~spin) Ferry starting", tooltip: "Connecting to the ferry daemon…", tone: "normal", command: SHOW };
    case "restarting":
      return {
        text: "$(loading~spin) Ferry reconnecting",
        tooltip: `The connection to the ferry daemon ended (${b.reason}); reconnecting…`,
        tone: "warning",
        command: SHOW,
      };
    case "stopped":
      switch (b.cause) {
        case "missing":
          return { text: "$(error) Ferry not found", tooltip: `${capital(b.reason)}.\nClick to locate it.`, tone: "error", command: "ferry.locate" };
        case "daemonStopped":
          return { text: "$(debug-stop) Ferry stopped", tooltip: `${capital(b.reason)}.\nClick to start it again.`, tone: "normal", command: "ferry.start" };
        case "incompatible":
          return { text: "$(error) Ferry incompatible", tooltip: `${capital(b.reason)}.`, tone: "error", command: "ferry.showLogs" };
        default:
          return {
            text: "$(error) Ferry stopped",
            tooltip: `Ferry is not running: ${b.reason}.\nClick to restart it.`,
            tone: b.cause === "crashes" ? "error" : "normal",
            command: "ferry.restartBackend",
          };
      }
  }
  const sync = state.syncOrder.map((id) => state.sync[id]);
  const forwards = state.forwardOrder.map((id) => state.forwards[id]);
  const phases = sync.map(phaseOf);
  const lines = sync.map((s, i) => `${syncTitle(s, ctx)}: ${syncStatusText(s, phases[i])}`);
  for (const f of forwards) {
    lines.push(`${forwardTitle(f)}: ${f.paused ? "paused" : f.status.replace(/-/g, " ")}${f.lastError ? ` (${f.lastError})` : ""}`);
  }
  const tooltip = (lines.length ? lines.join("\n") : "No sessions.") + `\n\nferry ${state.version ?? ""}`.trimEnd();
  const count = (p: Phase) => phases.filter((x) => x === p).length;

  const halted = count("halted");
  const forwardErrors = forwards.filter((f) => forwardHealth(f) === "error" && !!f.lastError && f.status !== "disconnected").length;
  if (halted + forwardErrors > 0) {
    const n = halted + forwardErrors;
    return { text: `$(error) Ferry ${halted && !forwardErrors ? plural(n, "session") + " halted" : plural(n, "error")}`, tooltip, tone: "error", command: SHOW };
  }
  const reconnecting = sync.filter((_, i) => phases[i] === "reconnecting");
  if (reconnecting.length > 0) {
    const hosts = [...new Set(reconnecting.flatMap(waitingFor))];
    return { text: `$(debug-disconnect) Ferry reconnecting${hosts.length ? ` to ${hosts.join(", ")}` : ""}`, tooltip, tone: "warning", command: SHOW };
  }
  const conflicts = sync.reduce((n, s, i) => n + (phases[i] === "conflicts" ? s.conflictCount : 0), 0);
  if (conflicts > 0) {
    return { text: `$(warning) Ferry ${plural(conflicts, "conflict")}`, tooltip, tone: "warning", command: SHOW };
  }
  const busy = sync.filter((_, i) => phases[i] === "syncing");
  if (busy.length === 0 && count("connecting") > 0) {
    return { text: "$(loading~spin) Ferry connecting", tooltip, tone: "normal", command: SHOW };
  }
  if (busy.length > 0) {
    let done = 0;
    let total = 0;
    for (const s of busy) {
      if (s.staging && /^staging-/.test(s.status)) {
        done += s.staging.bytesDone;
        total += s.staging.bytesTotal;
      }
    }
    const detail = busy.length === 1 ? progressDetail(busy[0]) : undefined;
    const text = total > 0 ? `$(sync~spin) Ferry ${Math.min(100, Math.floor((done / total) * 100))}%` : "$(sync~spin) Ferry syncing";
    return { text, tooltip: detail ? `${tooltip}\n${detail}` : tooltip, tone: "normal", command: SHOW };
  }
  if (sync.length === 0 && forwards.length === 0) {
    return { text: "$(circle-outline) Ferry idle", tooltip, tone: "normal", command: SHOW };
  }
  const problems = count("problems");
  if (problems > 0) {
    return { text: `$(warning) Ferry ${plural(problems, "problem")}`, tooltip, tone: "warning", command: SHOW };
  }
  if (count("watching") > 0) {
    return { text: "$(eye) Ferry watching", tooltip, tone: "normal", command: SHOW };
  }
  const forwarding = forwards.filter((f) => forwardHealth(f) === "ok").length;
  if (forwarding > 0) {
    return { text: `$(plug) Ferry forwarding ${forwarding}`, tooltip, tone: "normal", command: SHOW };
  }
  return { text: "$(debug-pause) Ferry paused", tooltip, tone: "normal", command: SHOW };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export { phaseTone };
