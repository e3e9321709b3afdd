/**
 * Conflict documents: virtual read-only documents (scheme ferry-conflict) holding one
 * side's version of a conflicting file, read with sync/readFile, for the diff editor.
 * The loop closes: when a conflict is resolved (here, from the CLI, or by an edit),
 * the diffs showing it are closed; when a side's version changes while it is still
 * in conflict, the documents are refreshed.
 */
import * as vscode from "vscode";
import { Method, SyncSession } from "../protocol.gen";
import { formatBytes } from "../core/format";
import { sideName } from "../core/names";
import { conflictPair } from "../core/tree";
import { FerryContext } from "./context";

export const SCHEME = "ferry-conflict";

export interface ConflictRef {
  session: string;
  side: "alpha" | "beta";
  path: string;
}

export function conflictUri(ref: ConflictRef): vscode.Uri {
  const query = `session=${encodeURIComponent(ref.session)}&side=${ref.side}`;
  return vscode.Uri.from({ scheme: SCHEME, path: "/" + ref.path, query });
}

export function parseConflictUri(uri: vscode.Uri): ConflictRef | undefined {
  if (uri.scheme !== SCHEME) {
    return undefined;
  }
  const q = new URLSearchParams(uri.query);
  const side = q.get("side");
  const session = q.get("session");
  if (!session || (side !== "alpha" && side !== "beta")) {
    return undefined;
  }
  return { session, side, path: uri.path.replace(/^\//, "") };
}

/** Renders a side's bytes as text, or says why it cannot be shown. */
export function renderContent(data: Buffer, size: number, digest: string): string {
  if (data.includes(0)) {
    return `(binary file, ${formatBytes(size)}, digest ${digest})\n`;
  }
  return data.toString("utf8");
}

/** The conflict refs of the diff and text tabs that show ferry-conflict documents. */
function conflictTabs(): { tab: vscode.Tab; refs: ConflictRef[] }[] {
  const out: { tab: vscode.Tab; refs: ConflictRef[] }[] = [];
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input as { original?: vscode.Uri; modified?: vscode.Uri; uri?: vscode.Uri } | undefined;
      const uris = [input?.original, input?.modified, input?.uri].filter((u): u is vscode.Uri => !!u && u.scheme === SCHEME);
      const refs = uris.map(parseConflictUri).filter((r): r is ConflictRef => !!r);
      if (refs.length) {
        out.push({ tab, refs });
      }
    }
  }
  return out;
}

/** Closes the tabs showing the conflict of session at path (all of its conflicts when path is undefined). */
export async function closeConflictTabs(session: string, paths?: string[]): Promise<number> {
  const tabs = conflictTabs()
    .filter(({ refs }) => refs.some((r) => r.session === session && (!paths || paths.includes(r.path))))
    .map(({ tab }) => tab);
  if (tabs.length) {
    await vscode.window.tabGroups.close(tabs, true);
  }
  return tabs.length;
}

/** A diff title that names both sides by place: "notes.txt (this machine ↔ devbox)". */
export function diffTitle(ctx: FerryContext, s: SyncSession, p: string): string {
  const names = ctx.names();
  return `${p} (${sideName(s, "alpha", names)} ↔ ${sideName(s, "beta", names)})`;
}

export function createConflictProvider(ctx: FerryContext): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const ref = parseConflictUri(uri);
      if (!ref) {
        return `(not a ferry conflict document: ${uri.toString()})\n`;
      }
      const s = ctx.store.state.sync[ref.session];
      const entry = s?.conflicts.find((c) => c.path === ref.path)?.[ref.side];
      const where = s ? sideName(s, ref.side, ctx.names()) : ref.side;
      if (entry && entry.kind !== "file") {
        const what = entry.kind === "symlink" ? `a symbolic link to ${entry.target}` : entry.kind === "directory" ? "a folder" : "nothing (deleted there)";
        return `(${where} has ${what} at ${ref.path})\n`;
      }
      try {
        const r = await ctx.backend.request(Method.SyncReadFile, ref);
        return renderContent(Buffer.from(r.data, "base64"), r.size, r.digest);
      } catch (e) {
        return `(cannot read ${ref.path} on ${where}: ${(e as Error).message})\n`;
      }
    },
  };
  // What each open conflict side held last, to tell a change from a resolution.
  const seen = new Map<string, string>();
  const unsubscribe = ctx.store.subscribe((state, action) => {
    if (action.type !== "syncState" && action.type !== "connected") {
      return;
    }
    for (const { tab, refs } of conflictTabs()) {
      const gone = refs.some((r) => {
        const s = state.sync[r.session];
        return !s || !s.conflicts.some((c) => c.path === r.path);
      });
      if (gone) {
        ctx.log.info(`the conflict shown in "${tab.label}" is resolved: closing it`);
        void vscode.window.tabGroups.close(tab, true);
        continue;
      }
      for (const r of refs) {
        const c = state.sync[r.session].conflicts.find((x) => x.path === r.path)!;
        const key = `${r.session}/${r.side}/${r.path}`;
        const now = JSON.stringify(c[r.side]);
        if (seen.has(key) && seen.get(key) !== now) {
          changed.fire(conflictUri(r));
        }
        seen.set(key, now);
      }
    }
  });
  // ferry.activeConflictPair says which sides the active diff compares (local-remote,
  // ...), so that its title bar shows the keep buttons that fit.
  let pair: string | undefined = "";
  const active = () => {
    const input = vscode.window.tabGroups.activeTabGroup?.activeTab?.input as { original?: vscode.Uri; uri?: vscode.Uri } | undefined;
    const ref = parseConflictUri(input?.original ?? input?.uri ?? vscode.Uri.from({ scheme: "none" }));
    const s = ref && ctx.store.state.sync[ref.session];
    const next = s ? conflictPair(s) : undefined;
    if (next !== pair) {
      pair = next;
      void vscode.commands.executeCommand("setContext", "ferry.activeConflictPair", next);
    }
  };
  active();
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider),
    changed,
    { dispose: unsubscribe },
    vscode.window.tabGroups.onDidChangeTabs(active),
    vscode.window.tabGroups.onDidChangeTabGroups(active),
  );
}
