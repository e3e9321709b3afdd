/**
 * Conflict documents: virtual read-only documents (scheme ferry-conflict) holding one
 * side's version of a conflicting file, read with sync/readFile, for the diff editor.
 */
import * as vscode from "vscode";
import { Method } from "../protocol.gen";
import { formatBytes } from "../core/format";
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

export function createConflictProvider(ctx: FerryContext): vscode.Disposable {
  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const ref = parseConflictUri(uri);
      if (!ref) {
        return `(not a ferry conflict document: ${uri.toString()})\n`;
      }
      const s = ctx.store.state.sync[ref.session];
      const entry = s?.conflicts.find((c) => c.path === ref.path)?.[ref.side];
      if (entry && entry.kind !== "file") {
        const what = entry.kind === "symlink" ? `a symbolic link to ${entry.target}` : entry.kind === "directory" ? "a directory" : "nothing (absent)";
        return `(${ref.side} holds ${what} at ${ref.path})\n`;
      }
      try {
        const r = await ctx.backend.request(Method.SyncReadFile, ref);
        return renderContent(Buffer.from(r.data, "base64"), r.size, r.digest);
      } catch (e) {
        return `(cannot read ${ref.path} on ${ref.side}: ${(e as Error).message})\n`;
      }
    },
  };
  return vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider);
}
