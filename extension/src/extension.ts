/**
 * The Ferry extension's entry point: builds the shared context (store, backend, log),
 * the status bar, trees, conflict documents and decorations, and registers the
 * commands from one table. Everything that decides lives in core/; this file and
 * vscode/ only adapt.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { ProtocolVersion } from "./protocol.gen";
import { Backend, BackendStatus, FerryError, MissingBinary, processTransport } from "./core/backend";
import { Calm } from "./core/calm";
import { syncPhase } from "./core/describe";
import { binaryName, locateFerry, Located } from "./core/locate";
import { NameContext, syncTitle, forwardTitle } from "./core/names";
import { projectId } from "./core/project";
import { State, Store } from "./core/store";
import { CommandFactory, FerryContext } from "./vscode/context";
import { createStatusBar } from "./vscode/statusBar";
import { createTrees } from "./vscode/trees";
import { createConflictProvider } from "./vscode/conflicts";
import { createDecorations } from "./vscode/decorations";
import { createFirstSyncProgress } from "./vscode/progress";
import { createForwardNames } from "./vscode/forwardNames";
import { askHostKey, askSecret } from "./vscode/prompts";
import { logLevelSetting, writeLog } from "./vscode/logs";
import { createSyncSession } from "./vscode/commands/createSync";
import { forwardPort } from "./vscode/commands/forwardPort";
import { lifecycle } from "./vscode/commands/lifecycle";
import { keep, keepPlace, resolveConflicts, showConflict } from "./vscode/commands/conflicts";
import { restoreFromTrash } from "./vscode/commands/trash";
import { copyAddress, copyPath, openInBrowser, openTerminal, previewInEditor, revealInExplorer, showLogs } from "./vscode/commands/misc";
import { INSTALL_DOCS, locate, restartBackend, start } from "./vscode/commands/backend";
import { openProjectFile, startProjectSessions, stopProjectSessions } from "./vscode/commands/project";
import { createProjectOffer } from "./vscode/projectOffer";

/** What activate returns (extension.exports): read-only views for tests and other extensions. */
export interface FerryAPI {
  readonly state: State;
  readonly backendPid: number | undefined;
  /** The ferry binary the last start found, and where. */
  readonly located: Located | undefined;
  /** Resolves when the current backend start attempt has finished. */
  whenReady(): Promise<void>;
}

const RESTART = "Restart";
const SHOW_LOGS = "Show Logs";
export const LOCATE = "Locate ferry…";
export const OPEN_SETTING = "Open Setting";
export const INSTALL = "Install Instructions";

/** How long a session must be unsettled (connecting, reconnecting) before the editor shows it. */
const CALM_MS = 1500;

export function activate(extension: vscode.ExtensionContext): FerryAPI {
  const log = vscode.window.createOutputChannel("Ferry", { log: true });
  const store = new Store();
  const env = { ...process.env };
  const version = String(extension.extension?.packageJSON?.version ?? "dev");
  const home = env.HOME || os.homedir();
  const refresh = new vscode.EventEmitter<void>();
  let located: Located | undefined;
  let ctx: FerryContext | undefined;

  const bundled = extension.extensionPath ? path.join(extension.extensionPath, "dist", "bin", binaryName(process.platform)) : undefined;
  const find = (): Located => {
    if (bundled && fs.existsSync(bundled)) {
      ensureExecutable(bundled);
    }
    located = locateFerry({
      setting: vscode.workspace.getConfiguration("ferry").get<string>("path", ""),
      bundled,
      env,
      platform: process.platform,
      home,
      isExecutable,
    });
    return located;
  };

  let names = nameContext(home);
  const calm = new Calm({
    delayMs: CALM_MS,
    now: Date.now,
    schedule: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
    onChange: () => refresh.fire(),
  });
  let lastAnnounced: string | undefined;

  const backend = new Backend({
    transport: () => {
      const l = find();
      if (!l.found) {
        throw new MissingBinary(l.reason);
      }
      log.info(`starting ${l.path} --stdio (${{ setting: "from ferry.path", bundled: "shipped with the extension", path: "found on the PATH", usual: "found in a usual place" }[l.source]})`);
      return processTransport(l.path, env)();
    },
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
      log: (m) => writeLog(log, m, (id) => sessionTitle(store.state, id, names)),
      stopping: (n) => log.info(`the ferry daemon says it is stopping (${n.reason}${n.client ? `, asked by ${n.client}` : ""})`),
      diagnostic: (level, message) => log[level](message),
      hostKey: askHostKey,
      secret: askSecret,
      status: (status) => {
        store.dispatch({ type: "backend", status });
        void vscode.commands.executeCommand("setContext", "ferry.backend", contextValue(status));
        // Which missing-binary welcome fits: the setting names a bad file, or nothing was found.
        const setting = vscode.workspace.getConfiguration("ferry").get<string>("path", "").trim();
        void vscode.commands.executeCommand("setContext", "ferry.pathSet", setting !== "" && setting !== "ferry");
        const key = status.state === "stopped" ? `${status.cause}:${status.reason}` : undefined;
        if (ctx && key !== lastAnnounced) {
          lastAnnounced = key;
          announce(ctx, status);
        }
        if (status.state === "running") {
          lastAnnounced = undefined;
        }
      },
    },
  });
  ctx = {
    extension,
    store,
    backend,
    log,
    env,
    ferryPath: () => (located?.found ? located.path : "ferry"),
    names: () => names,
    phaseOf: (s) => calm.shown(s.id, syncPhase(s)),
    processOf: () => undefined,
    learnPorts: () => undefined,
    refresh,
  };
  const forwardNames = createForwardNames(ctx);
  ctx.processOf = (f) => forwardNames.processOf(f);
  ctx.learnPorts = (host, ports) => forwardNames.learn(host, ports);

  extension.subscriptions.push(
    log,
    refresh,
    { dispose: () => calm.dispose() },
    { dispose: store.subscribe((s) => calm.retain(s.syncOrder)) },
    forwardNames,
    createStatusBar(ctx),
    createTrees(ctx),
    createConflictProvider(ctx),
    createDecorations(ctx),
    createFirstSyncProgress(ctx),
    createProjectOffer(ctx),
  );

  const commands: [string, CommandFactory][] = [
    ["ferry.createSyncSession", createSyncSession],
    ["ferry.forwardPort", forwardPort],
    ["ferry.startProject", startProjectSessions],
    ["ferry.stopProject", stopProjectSessions],
    ["ferry.openProjectFile", openProjectFile],
    ["ferry.pause", lifecycle("pause")],
    ["ferry.resume", lifecycle("resume")],
    ["ferry.flush", lifecycle("flush")],
    ["ferry.reset", lifecycle("reset")],
    ["ferry.terminate", lifecycle("terminate")],
    ["ferry.showConflict", showConflict],
    ["ferry.keepAlpha", keep("alpha")],
    ["ferry.keepBeta", keep("beta")],
    ["ferry.keepLocal", keepPlace("local")],
    ["ferry.keepRemote", keepPlace("remote")],
    ["ferry.resolveConflicts", resolveConflicts],
    ["ferry.restoreFromTrash", restoreFromTrash],
    ["ferry.openInBrowser", openInBrowser],
    ["ferry.previewInEditor", previewInEditor],
    ["ferry.copyAddress", copyAddress],
    ["ferry.revealInExplorer", revealInExplorer],
    ["ferry.openTerminal", openTerminal],
    ["ferry.copyPath", copyPath],
    ["ferry.showLogs", showLogs],
    ["ferry.restartBackend", restartBackend],
    ["ferry.start", start],
    ["ferry.locate", locate],
  ];
  for (const [id, factory] of commands) {
    extension.subscriptions.push(vscode.commands.registerCommand(id, guard(ctx, id, factory(ctx))));
  }

  extension.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("ferry.path") || e.affectsConfiguration("ferry.logLevel")) {
        log.info("settings changed: reconnecting");
        void backend.start();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      names = nameContext(home);
      refresh.fire();
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
    get located() {
      return located;
    },
    whenReady: () => backend.whenReady(),
  };
}

export function deactivate(): void {
  // The backend is stopped by its disposable in extension.subscriptions.
}

/** The context key ferry.backend: running, starting, restarting, or why it stopped. */
function contextValue(status: BackendStatus): string {
  if (status.state !== "stopped") {
    return status.state;
  }
  return { missing: "missing", crashes: "crashed", daemonStopped: "daemonStopped", incompatible: "incompatible", client: "stopped" }[status.cause];
}

function nameContext(home: string): NameContext {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  const projectDirs: Record<string, string> = {};
  for (const f of folders) {
    try {
      projectDirs[projectId(fs.realpathSync.native(f))] = f;
    } catch {
      // a folder that is gone names nothing
    }
  }
  return { home, folders, projectDirs };
}

function sessionTitle(state: State, id: string, names: NameContext): string {
  const s = state.sync[id];
  if (s) {
    return syncTitle(s, names);
  }
  const f = state.forwards[id];
  return f ? forwardTitle(f) : id;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A binary unpacked from a VSIX may have lost its executable bit: give it back. */
function ensureExecutable(file: string): void {
  try {
    const mode = fs.statSync(file).mode;
    if ((mode & 0o100) === 0 && process.platform !== "win32") {
      fs.chmodSync(file, mode | 0o755);
      for (const agent of fs.readdirSync(path.join(path.dirname(file), "agents"))) {
        const p = path.join(path.dirname(file), "agents", agent);
        fs.chmodSync(p, fs.statSync(p).mode | 0o755);
      }
    }
  } catch {
    // not ours to fix: the start reports what fails
  }
}

/** Tells the person what needs them: a missing binary, or a daemon that keeps crashing. Transient states stay in the status bar. */
function announce(ctx: FerryContext, status: BackendStatus): void {
  if (status.state !== "stopped") {
    return;
  }
  if (status.cause === "missing") {
    void vscode.window.showErrorMessage(`Ferry: ${status.reason}.`, LOCATE, OPEN_SETTING, INSTALL).then((choice) => {
      if (choice === LOCATE) {
        void vscode.commands.executeCommand("ferry.locate");
      } else if (choice === OPEN_SETTING) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "ferry.path");
      } else if (choice === INSTALL) {
        void vscode.env.openExternal(vscode.Uri.parse(INSTALL_DOCS));
      }
    });
  } else if (status.cause === "crashes") {
    void vscode.window.showErrorMessage(`Ferry keeps stopping, so it was not restarted: ${status.reason}.`, RESTART, SHOW_LOGS).then((choice) => {
      if (choice === RESTART) {
        void ctx.backend.start();
      } else if (choice === SHOW_LOGS) {
        ctx.log.show();
      }
    });
  } else if (status.cause === "incompatible") {
    void vscode.window.showErrorMessage(`Ferry: ${status.reason}`, SHOW_LOGS).then((choice) => {
      if (choice === SHOW_LOGS) {
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
