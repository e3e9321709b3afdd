/**
 * Marks conflicting files in the Explorer (and wherever VS Code shows file
 * decorations): a "!" badge in the warning colour with a tooltip naming the sides, as
 * Git marks its merge conflicts. The context key ferry.conflictFiles lists them, so the
 * Explorer's context menu offers the diff.
 */
import * as path from "path";
import * as vscode from "vscode";
import { isRemoteURL } from "../core/endpoints";
import { sideName } from "../core/names";
import { State } from "../core/store";
import { FerryContext } from "./context";

export const CONFLICT_FILES = "ferry.conflictFiles";

/** The local files in conflict: their path, and the tooltip to show. */
export function conflictFiles(state: State, ctx: FerryContext): Map<string, { session: string; path: string; tooltip: string }> {
  const out = new Map<string, { session: string; path: string; tooltip: string }>();
  for (const id of state.syncOrder) {
    const s = state.sync[id];
    for (const side of ["alpha", "beta"] as const) {
      if (isRemoteURL(s[side].url)) {
        continue;
      }
      for (const c of s.conflicts) {
        const file = vscode.Uri.file(path.join(s[side].url, c.path)).path;
        const names = ctx.names();
        out.set(file, {
          session: s.id,
          path: c.path,
          tooltip: `Ferry: changed both on ${sideName(s, "alpha", names)} and on ${sideName(s, "beta", names)}`,
        });
      }
    }
  }
  return out;
}

export function createDecorations(ctx: FerryContext): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri[]>();
  let files = conflictFiles(ctx.store.state, ctx);
  const provider: vscode.FileDecorationProvider = {
    onDidChangeFileDecorations: changed.event,
    provideFileDecoration(uri: vscode.Uri) {
      if (uri.scheme !== "file") {
        return undefined;
      }
      const f = files.get(uri.path);
      if (!f) {
        return undefined;
      }
      const d = new vscode.FileDecoration("!", f.tooltip, new vscode.ThemeColor("list.warningForeground"));
      d.propagate = false;
      return d;
    },
  };
  let key = "";
  const update = () => {
    const before = files;
    files = conflictFiles(ctx.store.state, ctx);
    const touched = new Set([...before.keys(), ...files.keys()].filter((k) => before.get(k)?.tooltip !== files.get(k)?.tooltip));
    if (touched.size) {
      changed.fire([...touched].map((p) => vscode.Uri.file(p)));
    }
    const next = JSON.stringify([...files.keys()].sort());
    if (next !== key) {
      key = next;
      void vscode.commands.executeCommand("setContext", CONFLICT_FILES, [...files.keys()]);
    }
  };
  update();
  const unsubscribe = ctx.store.subscribe(update);
  return vscode.Disposable.from(vscode.window.registerFileDecorationProvider(provider), changed, { dispose: unsubscribe });
}
