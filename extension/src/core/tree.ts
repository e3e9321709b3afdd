/**
 * The model of the Sync and Forward trees: which nodes exist under which, and how each
 * one looks (label, description, icon, contextValue for inline actions). Pure: the
 * adapter turns TreeItemModel into vscode.TreeItem.
 *
 * contextValue tokens (matched by the menus in package.json):
 *   sync-session running|paused [has-conflicts]; forward-session running|paused [browsable];
 *   endpoint connected|disconnected; conflict; problem; error.
 */
import { Conflict, EntrySummary, ForwardSession, SyncSession } from "../protocol.gen";
import { browserURL, isRemoteURL } from "./endpoints";
import { formatBytes, plural } from "./format";
import {
  displayName,
  forwardCounters,
  forwardHealth,
  forwardStatusText,
  Health,
  syncDetail,
  syncHealth,
  syncStatusText,
} from "./describe";
import { State } from "./store";

export type Node =
  | { kind: "sync"; id: string }
  | { kind: "endpoint"; session: string; side: "alpha" | "beta" }
  | { kind: "conflict"; session: string; path: string }
  | { kind: "moreConflicts"; session: string; count: number }
  | { kind: "problem"; session: string; side: "alpha" | "beta"; path: string; error: string }
  | { kind: "error"; session: string; message: string }
  | { kind: "forward"; id: string };

export interface TreeItemModel {
  /** Stable across refreshes, so expansion state is kept. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id, and an optional theme color id for it. */
  icon: string;
  iconColor?: string;
  contextValue: string;
  collapsible: "none" | "collapsed" | "expanded";
  /** Run when the item is clicked; the node is its argument. */
  command?: { id: string; title: string };
}

export function syncRoots(state: State): Node[] {
  return state.syncOrder.map((id) => ({ kind: "sync", id }));
}

export function forwardRoots(state: State): Node[] {
  return state.forwardOrder.map((id) => ({ kind: "forward", id }));
}

export function children(state: State, node: Node): Node[] {
  switch (node.kind) {
    case "sync": {
      const s = state.sync[node.id];
      if (!s) {
        return [];
      }
      const out: Node[] = [];
      if (s.lastError) {
        out.push({ kind: "error", session: s.id, message: s.lastError });
      }
      out.push({ kind: "endpoint", session: s.id, side: "alpha" }, { kind: "endpoint", session: s.id, side: "beta" });
      for (const c of s.conflicts) {
        out.push({ kind: "conflict", session: s.id, path: c.path });
      }
      if (s.conflictCount > s.conflicts.length) {
        out.push({ kind: "moreConflicts", session: s.id, count: s.conflictCount - s.conflicts.length });
      }
      return out;
    }
    case "endpoint": {
      const s = state.sync[node.session];
      if (!s) {
        return [];
      }
      return s[node.side].problems.map((p) => ({
        kind: "problem" as const,
        session: s.id,
        side: node.side,
        path: p.path,
        error: p.error,
      }));
    }
  }
  return [];
}

const healthIcon: Record<Health, { icon: string; color?: string }> = {
  ok: { icon: "eye" },
  busy: { icon: "sync~spin" },
  paused: { icon: "debug-pause" },
  conflicts: { icon: "warning", color: "list.warningForeground" },
  error: { icon: "error", color: "list.errorForeground" },
};

/** How a node looks, or undefined when its session is gone. */
export function item(state: State, node: Node): TreeItemModel | undefined {
  switch (node.kind) {
    case "sync": {
      const s = state.sync[node.id];
      return s && syncItem(s);
    }
    case "forward": {
      const f = state.forwards[node.id];
      return f && forwardItem(f);
    }
    case "endpoint": {
      const s = state.sync[node.session];
      if (!s) {
        return undefined;
      }
      const e = s[node.side];
      const counts = e.scanned ? `${plural(e.files, "file")}, ${formatBytes(e.totalFileSize)}` : "not scanned yet";
      const tooltip = [
        `${node.side}: ${e.url}`,
        e.connected ? "connected" : "disconnected",
        counts,
        e.watch ? `changes: ${e.watch}` : "",
        e.watchProblem ? `watch problem: ${e.watchProblem}` : "",
        e.problemCount ? plural(e.problemCount, "problem") : "",
      ]
        .filter(Boolean)
        .join("\n");
      return {
        id: `${s.id}/${node.side}`,
        label: `${node.side}: ${e.url}`,
        description: `${e.connected ? "connected" : "disconnected"} · ${counts}${e.problemCount ? ` · ${plural(e.problemCount, "problem")}` : ""}`,
        tooltip,
        icon: e.connected ? (isRemoteURL(e.url) ? "remote" : "folder") : "debug-disconnect",
        iconColor: e.connected ? undefined : "list.errorForeground",
        contextValue: `endpoint ${e.connected ? "connected" : "disconnected"}`,
        collapsible: e.problems.length ? "collapsed" : "none",
      };
    }
    case "conflict": {
      const s = state.sync[node.session];
      const c = s?.conflicts.find((x) => x.path === node.path);
      if (!s || !c) {
        return undefined;
      }
      return {
        id: `${s.id}/conflict/${c.path}`,
        label: c.path || "(root)",
        description: conflictDescription(c),
        tooltip: `Conflict: changed on both sides.\nalpha: ${summary(c.alpha)}\nbeta: ${summary(c.beta)}\nancestor: ${summary(c.ancestor)}\nClick to compare; keep one side with the inline actions.`,
        icon: "diff",
        iconColor: "list.warningForeground",
        contextValue: "conflict",
        collapsible: "none",
        command: { id: "ferry.showConflict", title: "Show Conflict" },
      };
    }
    case "moreConflicts":
      return {
        id: `${node.session}/more-conflicts`,
        label: `${plural(node.count, "more conflict")}`,
        description: "Keep Alpha or Keep Beta on the session resolves all",
        icon: "ellipsis",
        contextValue: "more-conflicts",
        collapsible: "none",
      };
    case "problem":
      return {
        id: `${node.session}/${node.side}/problem/${node.path}`,
        label: node.path || "(root)",
        description: node.error,
        tooltip: `${node.side}: ${node.path}\n${node.error}`,
        icon: "warning",
        iconColor: "list.warningForeground",
        contextValue: "problem",
        collapsible: "none",
      };
    case "error":
      return {
        id: `${node.session}/error`,
        label: node.message,
        tooltip: node.message,
        icon: "error",
        iconColor: "list.errorForeground",
        contextValue: "error",
        collapsible: "none",
      };
  }
}

function syncItem(s: SyncSession): TreeItemModel {
  const health = syncHealth(s);
  const tokens = ["sync-session", s.paused ? "paused" : "running"];
  if (s.conflictCount > 0) {
    tokens.push("has-conflicts");
  }
  let description = syncStatusText(s);
  if (s.conflictCount > 0) {
    description += ` · ${plural(s.conflictCount, "conflict")}`;
  }
  return {
    id: s.id,
    label: displayName(s),
    description,
    tooltip: syncDetail(s),
    icon: healthIcon[health].icon,
    iconColor: healthIcon[health].color,
    contextValue: tokens.join(" "),
    collapsible: "expanded",
  };
}

function forwardItem(f: ForwardSession): TreeItemModel {
  const health = forwardHealth(f);
  const tokens = ["forward-session", f.paused ? "paused" : "running"];
  if (browserURL(f.source)) {
    tokens.push("browsable");
  }
  const name = f.name ? `${f.name}: ` : "";
  return {
    id: f.id,
    label: `${name}${f.source} → ${f.destination}`,
    description: `${forwardStatusText(f)} · ${forwardCounters(f)}`,
    tooltip: [
      `${displayName(f)}: ${forwardStatusText(f)}`,
      `source: ${f.source} (${f.sourceConnected ? "connected" : "disconnected"})`,
      `destination: ${f.destination} (${f.destinationConnected ? "connected" : "disconnected"})`,
      `${forwardCounters(f)}, ${f.failedConnections} failed`,
      f.lastError ? `error: ${f.lastError}` : "",
    ]
      .filter(Boolean)
      .join("\n"),
    icon: health === "ok" ? "plug" : healthIcon[health].icon,
    iconColor: healthIcon[health].color,
    contextValue: tokens.join(" "),
    collapsible: "none",
  };
}

function summary(e: EntrySummary): string {
  switch (e.kind) {
    case "file":
      return `file, ${formatBytes(e.size ?? 0)}${e.executable ? ", executable" : ""}`;
    case "directory":
      return `directory, ${plural(e.entries ?? 0, "entry", "entries")}`;
    case "symlink":
      return `symlink to ${e.target ?? "?"}`;
    default:
      return e.kind;
  }
}

function conflictDescription(c: Conflict): string {
  return `alpha: ${summary(c.alpha)} · beta: ${summary(c.beta)}`;
}
