/** Start, Restart and Locate ferry…: the connection to the daemon, in the person's hands. */
import * as vscode from "vscode";
import { CommandFactory } from "../context";

/** Where installing ferry is explained. */
export const INSTALL_DOCS = "https://github.com/ferrysync/ferry#in-vs-code-and-other-editors";

export const restartBackend: CommandFactory = (ctx) => async () => {
  ctx.log.info("restarting (asked for)");
  await ctx.backend.start();
};

export const start: CommandFactory = (ctx) => async () => {
  ctx.log.info("starting (asked for)");
  await ctx.backend.start();
};

/** Asks for the ferry binary in a file dialog and sets ferry.path to it (which restarts). */
export const locate: CommandFactory = (ctx) => async () => {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    openLabel: "Use this ferry",
    title: "Ferry: locate the ferry program",
  });
  const file = picked?.[0]?.fsPath;
  if (!file) {
    return undefined;
  }
  ctx.log.info(`ferry.path set to ${file}`);
  await vscode.workspace.getConfiguration("ferry").update("path", file, vscode.ConfigurationTarget.Global);
  return file;
};
