/** Quick picks shared by the commands: sessions, hosts, workspace folders. */
import * as path from "path";
import * as vscode from "vscode";
import { ForwardSession, SyncSession } from "../protocol.gen";
import { forwardStatusText, syncStatusText } from "../core/describe";
import { forwardTitle, syncTitle } from "../core/names";
import { readSSHHosts } from "../core/ssh";
import { Node } from "../core/tree";
import { FerryContext } from "./context";

export type Target = { kind: "sync"; session: SyncSession } | { kind: "forward"; session: ForwardSession };

interface TargetItem extends vscode.QuickPickItem {
  target: Target;
}

/**
 * The session a command acts on: the tree node it was invoked on, or one picked among
 * the sessions that pass filter.
 */
export async function resolveTarget(
  ctx: FerryContext,
  arg: unknown,
  title: string,
  filter: (t: Target) => boolean,
): Promise<Target | undefined> {
  const state = ctx.store.state;
  const node = arg as Node | undefined;
  if (node && (node.kind === "endpoint" || node.kind === "conflict") && state.sync[node.session]) {
    return { kind: "sync", session: state.sync[node.session] };
  }
  if (node && node.kind === "sync" && state.sync[node.id]) {
    return { kind: "sync", session: state.sync[node.id] };
  }
  if (node && node.kind === "forward" && state.forwards[node.id]) {
    return { kind: "forward", session: state.forwards[node.id] };
  }
  const targets: Target[] = [
    ...ctx.store.syncSessions().map((session) => ({ kind: "sync" as const, session })),
    ...ctx.store.forwardSessions().map((session) => ({ kind: "forward" as const, session })),
  ].filter(filter);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(`Ferry: no session to ${title.toLowerCase()}.`);
    return undefined;
  }
  const items: TargetItem[] = targets.map((t) =>
    t.kind === "sync"
      ? {
          label: `$(sync) ${syncTitle(t.session, ctx.names())}`,
          description: syncStatusText(t.session, ctx.phaseOf(t.session)),
          detail: t.session.name ? `session ${t.session.name}` : undefined,
          target: t,
        }
      : {
          label: `$(plug) ${forwardTitle(t.session, ctx.processOf(t.session))}`,
          description: forwardStatusText(t.session),
          detail: t.session.name ? `forward ${t.session.name}` : undefined,
          target: t,
        },
  );
  const picked = await vscode.window.showQuickPick(items, { title: `Ferry: ${title}`, placeHolder: "Pick a session" });
  return picked?.target;
}

interface HostItem extends vscode.QuickPickItem {
  host?: string;
  type?: boolean;
}

/**
 * Picks a host: "" for this machine (when allowLocal), an alias from ~/.ssh/config, or
 * one typed in. undefined when cancelled.
 */
export async function pickHost(ctx: FerryContext, title: string, allowLocal: boolean): Promise<string | undefined> {
  const home = ctx.env.HOME || "";
  const items: HostItem[] = [];
  if (allowLocal) {
    items.push({ label: "$(folder) Local folder", description: "another folder on this machine", host: "" });
  }
  const hosts = home ? readSSHHosts(home) : [];
  if (hosts.length) {
    items.push({ label: "SSH hosts from ~/.ssh/config", kind: vscode.QuickPickItemKind.Separator });
    for (const h of hosts) {
      const detail = [h.user && `${h.user}@`, h.hostName ?? "", h.port && `:${h.port}`].filter(Boolean).join("");
      items.push({ label: `$(remote) ${h.alias}`, description: detail || undefined, host: h.alias });
    }
  }
  items.push({ label: "", kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: "$(edit) Enter a host…", description: "[user@]host[:port]", type: true });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: "Where is the other side?" });
  if (!picked) {
    return undefined;
  }
  if (!picked.type) {
    return picked.host;
  }
  const typed = await vscode.window.showInputBox({
    title,
    prompt: "SSH host: an alias from ~/.ssh/config or [user@]host[:port]",
    placeHolder: "devbox or me@203.0.113.7:2222",
    validateInput: (v) => (/^[^\s/]+$/.test(v.trim()) ? undefined : "Write a host without spaces or slashes"),
  });
  return typed?.trim() || undefined;
}

/** The workspace folder to sync: the only one, one picked, or one chosen in a dialog. */
export async function pickWorkspaceFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const local = folders.filter((f) => f.uri.scheme === "file");
  if (local.length === 1) {
    return local[0].uri.fsPath;
  }
  if (local.length > 1) {
    const picked = await vscode.window.showQuickPick(
      local.map((f) => ({ label: f.name, description: f.uri.fsPath, path: f.uri.fsPath })),
      { title: "Ferry: Create Sync Session", placeHolder: "Which folder?" },
    );
    return picked?.path;
  }
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: "Sync this folder",
  });
  return chosen?.[0]?.fsPath;
}

export function baseName(p: string): string {
  return path.basename(p.replace(/[\\/]+$/, "")) || "folder";
}
