/**
 * The Ferry extension's entry point: builds the shared context (store, backend, log),
 * the status bar, trees and conflict documents, and registers the commands from one
 * table. Everything that decides lives in core/; this file and vscode/ only adapt.
 */
import * as vscode from "vscode";
import { ProtocolVersion } from "./protocol.gen";
import { Backend, BackendStatus, FerryError, processTransport } from "./core/backend";
import { State, Store } from "./core/store";
import { CommandFactory, FerryContext } from "./vscode/context";
import { createStatusBar } from "./vscode/statusBar";
import { createTrees } from "./vscode/trees";
import { createConflictProvider } from "./vscode/conflicts";
import { askHostKey, askSecret } from "./vscode/prompts";
import { logLevelSetting, writeLog } from "./vscode/logs";
import { createSyncSession } from "./vscode/commands/createSync";
import { forwardPort } from "./vscode/commands/forwardPort";
import { lifecycle } from "./vscode/commands/lifecycle";
import { keep, showConflict } from "./vscode/commands/conflicts";
import { openInBrowser, restartBackend, showLogs } from "./vscode/commands/misc";
import { startProjectSessions, stopProjectSessions } from "./vscode/commands/project";
import { createProjectOffer } from "./vscode/projectOffer";

/** What activate returns (extension.exports): read-only views for tests and other extensions. */
export interface FerryAPI {
  readonly state: State;
  readonly backendPid: number | undefined;
  /** Resolves when the current backend start attempt has finished. */
  whenReady(): Promise<void>;
}

const RESTART = "Restart";
const SHOW_LOGS = "Show Logs";

export function activate(extension: vscode.ExtensionContext): FerryAPI {
  const log = vscode.window.createOutputChannel("Ferry", { log: true });
  const store = new Store();
  const env = { ...process.env };
  const version = String(extension.extension?.packageJSON?.version ?? "dev");
  let ctx: FerryContext | undefined;

  const backend = new Backend({
    transport: () => processTransport(ferryPath(), env)(),
    initialize: () => ({
      clientName: "vscode",
      clientVersion: version,
      protocolVersion: ProtocolVersion,
      prompts: true,
      logLevel: logLevelSetting(),
    }),
    handlers: {
      connected: (init, forwards) =>
        store.dispatch({ type: "connected", version: init.version, sessions: init.sessions, forwards }),
      syncState: (session) => store.dispatch({ type: "syncState", session }),
      forwardState: (session) => store.dispatch({ type: "forwardState", session }),
      log: (m) => writeLog(log, m),
      diagnostic: (level, message) => log[level](message),
      hostKey: askHostKey,
      secret: askSecret,
      status: (status) => {
        store.dispatch({ type: "backend", status });
        void vscode.commands.executeCommand("setContext", "ferry.backend", status.state);
        if (ctx) {
          announce(ctx, status);
        }
      },
    },
  });
  ctx = { extension, store, backend, log, env, ferryPath };

  extension.subscriptions.push(log, createStatusBar(ctx), createTrees(ctx), createConflictProvider(ctx), createProjectOffer(ctx));

  const commands: [string, CommandFactory][] = [
    ["ferry.createSyncSession", createSyncSession],
    ["ferry.forwardPort", forwardPort],
    ["ferry.startProject", startProjectSessions],
    ["ferry.stopProject", stopProjectSessions],
    ["ferry.pause", lifecycle("pause")],
    ["ferry.resume", lifecycle("resume")],
    ["ferry.flush", lifecycle("flush")],
    ["ferry.reset", lifecycle("reset")],
    ["ferry.terminate", lifecycle("terminate")],
    ["ferry.showConflict", showConflict],
    ["ferry.keepAlpha", keep("alpha")],
    ["ferry.keepBeta", keep("beta")],
    ["ferry.openInBrowser", openInBrowser],
    ["ferry.showLogs", showLogs],
    ["ferry.restartBackend", restartBackend],
  ];
  for (const [id, factory] of commands) {
    extension.subscriptions.push(vscode.commands.registerCommand(id, guard(ctx, id, factory(ctx))));
  }

  extension.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("ferry.path") || e.affectsConfiguration("ferry.logLevel")) {
        log.info("settings changed: restarting the backend");
        void backend.start();
      }
    }),
    { dispose: () => backend.stop("the extension was deactivated") },
  );

  void backend.start();
  return {
    get state() {
      return store.state;
    },
    get backendPid() {
      return backend.pid;
    },
    whenReady: () => backend.whenReady(),
  };
}

export function deactivate(): void {
  // The backend is stopped by its disposable in extension.subscriptions.
}

function ferryPath(): string {
  return vscode.workspace.getConfiguration("ferry").get<string>("path", "ferry") || "ferry";
}

/** Tells the person when the backend crashed, and offers a restart once it gave up. */
function announce(ctx: FerryContext, status: BackendStatus): void {
  if (status.state === "restarting") {
    void vscode.window.showWarningMessage(`Ferry: the backend stopped (${status.reason}); restarting it.`);
  } else if (status.state === "stopped" && status.crashes) {
    void vscode.window
      .showErrorMessage(`Ferry: the backend keeps stopping, so it was not restarted: ${status.reason}.`, RESTART, SHOW_LOGS)
      .then((choice) => {
        if (choice === RESTART) {
          void ctx.backend.start();
        } else if (choice === SHOW_LOGS) {
          ctx.log.show();
        }
      });
  }
}

/** Runs a command, turning a failure into an error message and a log line. */
function guard(ctx: FerryContext, id: string, run: (...args: any[]) => unknown) {
  return async (...args: any[]) => {
    try {
      return await run(...args);
    } catch (e) {
      let message = e instanceof Error ? e.message : String(e);
      if (e instanceof FerryError && e.methodNotFound) {
        message = `this ferry daemon does not support ${e.method} (${message}); update ferry`;
      }
      ctx.log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(`Ferry: ${message}`);
      return undefined;
    }
  };
}
