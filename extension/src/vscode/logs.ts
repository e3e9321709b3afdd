/** Writes daemon log notifications and backend diagnostics to the Ferry log channel. */
import * as vscode from "vscode";
import { LogMessage } from "../protocol.gen";

/** One line per event, the session named as the views name it (titleOf), not by its id. */
export function writeLog(channel: vscode.LogOutputChannel, m: LogMessage, titleOf: (id: string) => string = (id) => id): void {
  const text = m.session ? `[${titleOf(m.session)}] ${m.message}` : m.message;
  switch (m.level) {
    case "error":
      channel.error(text);
      break;
    case "warn":
      channel.warn(text);
      break;
    case "debug":
      channel.debug(text);
      break;
    default:
      channel.info(text);
  }
}

/** The logLevel to ask the daemon for, from the ferry.logLevel setting ("off": none). */
export function logLevelSetting(): string {
  const level = vscode.workspace.getConfiguration("ferry").get<string>("logLevel", "info");
  return level === "off" ? "" : level;
}
