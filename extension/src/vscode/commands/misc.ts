/** Small commands: logs, backend restart, opening a forward in the browser. */
import * as vscode from "vscode";
import { browserURL } from "../../core/endpoints";
import { CommandFactory } from "../context";
import { resolveTarget } from "../pick";

export const showLogs: CommandFactory = (ctx) => () => ctx.log.show();

export const restartBackend: CommandFactory = (ctx) => async () => {
  ctx.log.info("restarting the backend (asked for)");
  await ctx.backend.start();
};

export const openInBrowser: CommandFactory = (ctx) => async (arg?: unknown) => {
  const target = await resolveTarget(ctx, arg, "Open in Browser", (t) => t.kind === "forward" && !!browserURL(t.session.source));
  if (target?.kind !== "forward") {
    return;
  }
  const url = browserURL(target.session.source);
  if (url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }
};
