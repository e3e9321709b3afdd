/** Small commands: logs; forwards in the browser or an editor, their address; a side's folder in the Explorer, a terminal, its path. */
import * as vscode from "vscode";
import { browserURL, isRemoteURL } from "../../core/endpoints";
import { localAddress } from "../../core/names";
import { item, Node } from "../../core/tree";
import { CommandFactory, FerryContext } from "../context";
import { resolveTarget } from "../pick";

export const showLogs: CommandFactory = (ctx) => () => ctx.log.show();

async function forwardURL(ctx: FerryContext, arg: unknown, title: string): Promise<string | undefined> {
  const target = await resolveTarget(ctx, arg, title, (t) => t.kind === "forward" && !!browserURL(t.session.source));
  return target?.kind === "forward" ? browserURL(target.session.source) : undefined;
}

export const openInBrowser: CommandFactory = (ctx) => async (arg?: unknown) => {
  const url = await forwardURL(ctx, arg, "Open in Browser");
  if (url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }
};

export const previewInEditor: CommandFactory = (ctx) => async (arg?: unknown) => {
  const url = await forwardURL(ctx, arg, "Preview in Editor");
  if (url) {
    await vscode.commands.executeCommand("simpleBrowser.api.open", vscode.Uri.parse(url), { viewColumn: vscode.ViewColumn.Beside });
  }
};

export const copyAddress: CommandFactory = (ctx) => async (arg?: unknown) => {
  const target = await resolveTarget(ctx, arg, "Copy Local Address", (t) => t.kind === "forward");
  if (target?.kind !== "forward") {
    return;
  }
  const address = localAddress(target.session) ?? target.session.source;
  await vscode.env.clipboard.writeText(address);
  vscode.window.setStatusBarMessage(`Ferry: copied ${address}`, 3000);
};

/** The local path a node stands for (a side's folder, a conflicting file), or a side's path as written. */
function pathOf(ctx: FerryContext, arg: unknown): { path: string; local: boolean } | undefined {
  const node = arg as Node | undefined;
  if (!node?.kind) {
    return undefined;
  }
  const state = ctx.store.state;
  if (node.kind === "endpoint") {
    const url = state.sync[node.session]?.[node.side].url;
    return url ? { path: url, local: !isRemoteURL(url) } : undefined;
  }
  const m = item(state, node, ctx.names());
  return m?.resource ? { path: m.resource, local: true } : undefined;
}

export const revealInExplorer: CommandFactory = (ctx) => async (arg?: unknown) => {
  const p = pathOf(ctx, arg);
  if (!p?.local) {
    return;
  }
  const uri = vscode.Uri.file(p.path);
  const inside = vscode.workspace.getWorkspaceFolder(uri);
  await vscode.commands.executeCommand(inside ? "revealInExplorer" : "revealFileInOS", uri);
};

export const openTerminal: CommandFactory = (ctx) => async (arg?: unknown) => {
  const p = pathOf(ctx, arg);
  if (!p?.local) {
    return;
  }
  const t = vscode.window.createTerminal({ name: `Ferry: ${p.path}`, cwd: p.path });
  t.show();
};

export const copyPath: CommandFactory = (ctx) => async (arg?: unknown) => {
  const p = pathOf(ctx, arg);
  if (!p) {
    return;
  }
  await vscode.env.clipboard.writeText(p.path);
  vscode.window.setStatusBarMessage(`Ferry: copied ${p.path}`, 3000);
};
