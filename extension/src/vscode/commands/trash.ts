/**
 * Restore from Trash…: what sync removed or overwrote on either side (sync/trash),
 * newest first, named by place and time; the picked file is put back where it was
 * (sync/restore, never over an existing file: then it asks for another name), and the
 * next cycle brings it to the other side.
 */
import * as path from "path";
import * as vscode from "vscode";
import { Method, TrashItem } from "../../protocol.gen";
import { FerryError } from "../../core/backend";
import { ago, formatBytes } from "../../core/format";
import { sideName, syncTitle } from "../../core/names";
import { isRemoteURL } from "../../core/endpoints";
import { CommandFactory } from "../context";
import { resolveTarget } from "../pick";

interface TrashPick extends vscode.QuickPickItem {
  item?: TrashItem;
}

export const restoreFromTrash: CommandFactory = (ctx) => async (arg?: unknown) => {
  const target = await resolveTarget(ctx, arg, "Restore from Trash", (t) => t.kind === "sync");
  if (target?.kind !== "sync") {
    return undefined;
  }
  const s = target.session;
  const names = ctx.names();
  const title = syncTitle(s, names);
  const r = await ctx.backend.request(Method.SyncTrash, { session: s.id });
  const items = r.items ?? [];
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Ferry: nothing of ${title} is in the trash: sync has not removed or overwritten a file.`);
    return undefined;
  }
  const now = Date.now();
  const picks: TrashPick[] = items.map((item) => ({
    label: `$(${item.link ? "file-symlink-file" : "file"}) ${item.path}`,
    description: `from ${sideName(s, item.side === "alpha" ? "alpha" : "beta", names)} · ${ago(item.time, now)} · ${formatBytes(item.size)}`,
    item,
  }));
  const picked = await vscode.window.showQuickPick(picks, {
    title: `Ferry: Restore from Trash (${title})`,
    placeHolder: "What sync removed or overwrote, newest first: pick one to put it back",
    matchOnDescription: true,
  });
  if (!picked?.item) {
    return undefined;
  }
  const item = picked.item;
  const side = item.side === "alpha" ? "alpha" : "beta";
  const where = sideName(s, side, names);
  let to: string | undefined;
  for (;;) {
    try {
      const done = await ctx.backend.request(Method.SyncRestore, { session: s.id, side, batch: item.batch, path: item.path, to });
      ctx.log.info(`restored ${item.path} on ${where} as ${done.path} (${title})`);
      const open = !isRemoteURL(s[side].url) ? "Open" : undefined;
      void vscode.window
        .showInformationMessage(`Ferry: restored ${done.path} on ${where}; the next sync brings it to the other side.`, ...(open ? [open] : []))
        .then(async (choice) => {
          if (choice === open) {
            await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(s[side].url, done.path))));
          }
        });
      return done;
    } catch (e) {
      if (!(e instanceof FerryError) || !/exist/i.test(e.message)) {
        throw e;
      }
      const ext = path.extname(item.path);
      to = await vscode.window.showInputBox({
        title: `Ferry: Restore ${item.path}`,
        prompt: `${item.path} exists on ${where}: restore the old version under another name`,
        value: `${item.path.slice(0, item.path.length - ext.length)}.restored${ext}`,
        validateInput: (v) => (v.trim() === "" || v.startsWith("/") || v.split("/").includes("..") ? "A path inside the folder" : undefined),
      });
      if (!to) {
        return undefined;
      }
    }
  }
};
