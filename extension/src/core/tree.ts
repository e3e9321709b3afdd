/**
 * The model of the Sync and Forward trees: which nodes exist under which, and how each
 * one looks (label, description, icon, contextValue for the menus). Pure: the adapter
 * turns TreeItemModel into vscode.TreeItem. Sessions of a project file are grouped
 * under it; everything is named by place (core/names), never by alpha/beta or id.
 *
 * contextValue tokens (matched by the menus in package.json):
 *   sync-session running|paused [has-conflicts] [project]
 *   forward-session running|paused [browsable]
 *   endpoint local|remote
 *   conflict local-remote|remote-local|local-local|remote-remote
 *   project; more-conflicts; problem; error
 */
import { Conflict, EntrySummary, ForwardSession, SyncSession } from "../protocol.gen";
import { browserURL, isRemoteURL } from "./endpoints";
import { formatBytes, plural } from "./format";
import { forwardCounters, forwardHealth, forwardStatusText, Phase, sideStatus, syncDetail, syncPhase, syncStatusText } from "./describe";
import { forwardTitle, NameContext, possessive, shortURL, sideName, syncTitle } from "./names";
import { LABEL_PROJECT, PROJECT_FILE } from "./project";
import { State } from "./store";
import * as path from "path";

export type Node =
  | { kind: "project"; view: "sync" | "forward"; id: string }
  | { kind: "sync"; id: string }
  | { kind: "endpoint"; session: string; side: "alpha" | "beta" }
  | { kind: "conflict"; session: string; path: string }
  | { kind: "moreConflicts"; session: string; count: number }
  | { kind: "problem"; session: string; side: "alpha" | "beta"; path: string; error: string }
  | { kind: "error"; session: string; message: string }
  | { kind: "forward"; id: string };

/** A key that names a node across refreshes (the adapter keeps one object per key). */
export function nodeKey(n: Node): string {
  switch (n.kind) {
    case "project":
      return `project/${n.view}/${n.id}`;
    case "sync":
    case "forward":
      return `${n.kind}/${n.id}`;
    case "endpoint":
      return `endpoint/${n.session}/${n.side}`;
    case "conflict":
      return `conflict/${n.session}/${n.path}`;
    case "moreConflicts":
      return `more/${n.session}`;
    case "problem":
      return `problem/${n.session}/${n.side}/${n.path}`;
    case "error":
      return `error/${n.session}`;
  }
}

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
  /** A local file or folder the item stands for (Reveal in Explorer, Copy Path). */
  resource?: string;
}

/** What the items depend on besides the state: names, and the debounced phases. */
export interface TreeContext extends NameContext {
  phaseOf?: (s: SyncSession) => Phase;
  /** A process name for a forward, when known (the remote listener's). */
  processOf?: (f: ForwardSession) => string | undefined;
}

const projectOf = (s: { labels?: Record<string, string> }) => s.labels?.[LABEL_PROJECT];

function rootsOf<T extends { id: string; labels?: Record<string, string> }>(items: T[], view: "sync" | "forward", leaf: (id: string) => Node): Node[] {
  const out: Node[] = [];
  const seen = new Set<string>();
  for (const s of items) {
    const p = projectOf(s);
    if (!p) {
      out.push(leaf(s.id));
    } else if (!seen.has(p)) {
      seen.add(p);
      out.push({ kind: "project", view, id: p });
    }
  }
  return out;
}

/**
 * While ferry is stopped (not found, stopped on purpose, given up), the views are empty,
 * so their welcome content says why: the last sessions known are no longer true. During
 * a reconnection they stay, to spare a flicker.
 */
function shown(state: State): boolean {
  return state.backend.state !== "stopped";
}

export function syncRoots(state: State): Node[] {
  if (!shown(state)) {
    return [];
  }
  return rootsOf(state.syncOrder.map((id) => state.sync[id]), "sync", (id) => ({ kind: "sync", id }));
}

export function forwardRoots(state: State): Node[] {
  if (!shown(state)) {
    return [];
  }
  return rootsOf(state.forwardOrder.map((id) => state.forwards[id]), "forward", (id) => ({ kind: "forward", id }));
}

export function children(state: State, node: Node): Node[] {
  switch (node.kind) {
    case "project":
      return node.view === "sync"
        ? state.syncOrder.filter((id) => projectOf(state.sync[id]) === node.id).map((id) => ({ kind: "sync" as const, id }))
        : state.forwardOrder.filter((id) => projectOf(state.forwards[id]) === node.id).map((id) => ({ kind: "forward" as const, id }));
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

/** The session a node belongs to, if any. */
export function sessionOf(node: Node): string | undefined {
  switch (node.kind) {
    case "sync":
    case "forward":
      return node.id;
    case "project":
      return undefined;
    default:
      return node.session;
  }
}

const phaseIcon: Record<Phase, { icon: string; color?: string }> = {
  watching: { icon: "eye" },
  syncing: { icon: "sync~spin" },
  paused: { icon: "debug-pause" },
  connecting: { icon: "loading~spin" },
  reconnecting: { icon: "debug-disconnect", color: "list.warningForeground" },
  conflicts: { icon: "warning", color: "list.warningForeground" },
  problems: { icon: "warning", color: "list.warningForeground" },
  halted: { icon: "error", color: "list.errorForeground" },
};

/** How a node looks, or undefined when its session is gone. */
export function item(state: State, node: Node, ctx: TreeContext = { home: "", folders: [] }): TreeItemModel | undefined {
  const phaseOf = ctx.phaseOf ?? syncPhase;
  switch (node.kind) {
    case "project": {
      const dir = ctx.projectDirs?.[node.id];
      const label = dir ? `${path.basename(dir)}/${PROJECT_FILE}` : `${PROJECT_FILE} (project ${node.id})`;
      const n = children(state, node).length;
      return {
        id: `project/${node.view}/${node.id}`,
        label,
        description: node.view === "sync" ? plural(n, "sync session") : plural(n, "forward"),
        tooltip: dir ? `Sessions declared by ${path.join(dir, PROJECT_FILE)}` : `Sessions of a ${PROJECT_FILE} in a folder that is not open`,
        icon: "file-code",
        contextValue: dir ? "project has-file" : "project",
        collapsible: "expanded",
        resource: dir ? path.join(dir, PROJECT_FILE) : undefined,
      };
    }
    case "sync": {
      const s = state.sync[node.id];
      return s && syncItem(s, ctx, phaseOf(s));
    }
    case "forward": {
      const f = state.forwards[node.id];
      return f && forwardItem(f, ctx.processOf?.(f));
    }
    case "endpoint": {
      const s = state.sync[node.session];
      if (!s) {
        return undefined;
      }
      const e = s[node.side];
      const remote = isRemoteURL(e.url);
      const where = sideName(s, node.side, ctx);
      const st = sideStatus(s, node.side);
      const stText = { connected: "connected", connecting: "connecting", disconnected: "reconnecting", paused: "paused" }[st];
      const counts = e.scanned ? `${plural(e.files, "file")}, ${formatBytes(e.totalFileSize)}` : "not scanned yet";
      const tooltip = [
        `${where}: ${e.url}`,
        stText,
        counts,
        e.watch ? `changes: ${e.watch}` : "",
        e.watchProblem ? `watch problem: ${e.watchProblem}` : "",
        e.problemCount ? `${plural(e.problemCount, "file")} not synchronized` : "",
      ]
        .filter(Boolean)
        .join("\n");
      const icon =
        st === "connected"
          ? { icon: remote ? "remote" : "folder-opened" }
          : st === "paused"
            ? { icon: "debug-pause" }
            : st === "connecting"
              ? { icon: "loading~spin" }
              : { icon: "debug-disconnect", color: "list.warningForeground" };
      return {
        id: `${s.id}/${node.side}`,
        label: `${where}: ${sidePath(e.url, where, ctx)}`,
        description: `${stText} · ${counts}${e.problemCount ? ` · ${plural(e.problemCount, "problem")}` : ""}`,
        tooltip,
        icon: icon.icon,
        iconColor: icon.color,
        contextValue: `endpoint ${remote ? "remote" : "local"}`,
        collapsible: e.problems.length ? "collapsed" : "none",
        resource: remote ? undefined : e.url,
      };
    }
    case "conflict": {
      const s = state.sync[node.session];
      const c = s?.conflicts.find((x) => x.path === node.path);
      if (!s || !c) {
        return undefined;
      }
      const a = sideName(s, "alpha", ctx);
      const b = sideName(s, "beta", ctx);
      const localSide = !isRemoteURL(s.alpha.url) ? s.alpha.url : !isRemoteURL(s.beta.url) ? s.beta.url : undefined;
      return {
        id: `${s.id}/conflict/${c.path}`,
        label: c.path || "(the whole folder)",
        description: `${a}: ${summary(c.alpha)} · ${b}: ${summary(c.beta)}`,
        tooltip:
          `Changed on both sides since they last agreed.\n${a}: ${summary(c.alpha)}\n${b}: ${summary(c.beta)}\n` +
          `before: ${summary(c.ancestor)}\nClick to compare; keep ${possessive(a)} or ${possessive(b)} version.`,
        icon: "diff",
        iconColor: "list.warningForeground",
        contextValue: `conflict ${conflictPair(s)}`,
        collapsible: "none",
        command: { id: "ferry.showConflict", title: "Compare Versions" },
        resource: localSide ? path.join(localSide, c.path) : undefined,
      };
    }
    case "moreConflicts":
      return {
        id: `${node.session}/more-conflicts`,
        label: `${plural(node.count, "more conflict")}`,
        description: "Resolve Conflicts… on the session keeps one side for all",
        icon: "ellipsis",
        contextValue: "more-conflicts",
        collapsible: "none",
      };
    case "problem":
      return {
        id: `${node.session}/${node.side}/problem/${node.path}`,
        label: node.path || "(the whole folder)",
        description: node.error,
        tooltip: `${node.path}\n${node.error}`,
        icon: "warning",
        iconColor: "list.warningForeground",
        contextValue: "problem",
        collapsible: "none",
      };
    case "error": {
      const s = state.sync[node.session];
      const halted = !!s && phaseOf(s) === "halted";
      return {
        id: `${node.session}/error`,
        label: node.message,
        tooltip: node.message,
        icon: halted ? "error" : "info",
        iconColor: halted ? "list.errorForeground" : "list.warningForeground",
        contextValue: "error",
        collapsible: "none",
      };
    }
  }
}

/** A side's path after its place: "~/proj" for "devbox:~/proj" shown as devbox. */
function sidePath(url: string, where: string, ctx: NameContext): string {
  const u = shortURL(url, ctx);
  return isRemoteURL(url) && u.startsWith(where + ":") ? u.slice(where.length + 1) : u;
}

/** Which sides of a session are on this machine: "local-remote" (the first side is local), ... */
export function conflictPair(s: SyncSession): string {
  const k = (url: string) => (isRemoteURL(url) ? "remote" : "local");
  return `${k(s.alpha.url)}-${k(s.beta.url)}`;
}

function syncItem(s: SyncSession, ctx: TreeContext, phase: Phase): TreeItemModel {
  const tokens = ["sync-session", s.paused ? "paused" : "running"];
  if (s.conflictCount > 0) {
    tokens.push("has-conflicts");
  }
  if (projectOf(s)) {
    tokens.push("project");
  }
  const look = phaseIcon[phase];
  return {
    id: s.id,
    label: syncTitle(s, ctx),
    description: syncStatusText(s, phase),
    tooltip: syncDetail(s, ctx, phase),
    icon: look.icon,
    iconColor: look.color,
    contextValue: tokens.join(" "),
    collapsible: "expanded",
  };
}

function forwardItem(f: ForwardSession, process: string | undefined): TreeItemModel {
  const health = forwardHealth(f);
  const tokens = ["forward-session", f.paused ? "paused" : "running"];
  if (browserURL(f.source)) {
    tokens.push("browsable");
  }
  const look =
    health === "ok"
      ? { icon: "plug" }
      : health === "paused"
        ? { icon: "debug-pause" }
        : f.status === "disconnected"
          ? { icon: "debug-disconnect", color: "list.warningForeground" }
          : health === "error"
            ? { icon: "error", color: "list.errorForeground" }
            : { icon: "loading~spin" };
  return {
    id: f.id,
    label: forwardTitle(f, process),
    description: `${forwardStatusText(f)} · ${forwardCounters(f)}`,
    tooltip: [
      forwardTitle(f, process),
      `${forwardStatusText(f)}`,
      `listens on ${f.source}${f.sourceConnected ? "" : " (reconnecting)"}`,
      `connects to ${f.destination}${f.destinationConnected ? "" : " (reconnecting)"}`,
      process ? `process: ${process}` : "",
      `${forwardCounters(f)}, ${f.failedConnections} failed`,
      f.lastError ? f.lastError : "",
    ]
      .filter(Boolean)
      .join("\n"),
    icon: look.icon,
    iconColor: look.color,
    contextValue: tokens.join(" "),
    collapsible: "none",
  };
}

export function summary(e: EntrySummary): string {
  switch (e.kind) {
    case "file":
      return `file, ${formatBytes(e.size ?? 0)}${e.executable ? ", executable" : ""}`;
    case "directory":
      return `folder, ${plural(e.entries ?? 0, "entry", "entries")}`;
    case "symlink":
      return `link to ${e.target ?? "?"}`;
    case "absent":
      return "deleted";
    default:
      return e.kind;
  }
}

export type { Conflict };
