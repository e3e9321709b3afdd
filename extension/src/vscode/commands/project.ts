/**
 * Ferry: Start Project Sessions and Ferry: Stop Project Sessions, for the ferry.yml of a
 * workspace folder (or the folder or ferry.yml they are invoked on). The file is read by
 * `ferry project check --json`; the sessions are created and terminated through the API
 * (core/project), labelled as `ferry project start` labels them. The file's hooks run
 * around them as the CLI runs them (output in the Ferry log), only in a trusted
 * workspace: they are shell commands from the folder.
 */
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { Method } from "../../protocol.gen";
import {
  AlreadyStarted,
  countSessions,
  hasHooks,
  HookFailed,
  PROJECT_FILE,
  ProjectFileError,
  projectId,
  projectSessions,
  ProjectPlan,
  readPlan,
  runHooks,
  runShell,
  startProject,
  stopProject,
} from "../../core/project";
import { plural } from "../../core/format";
import { CommandFactory, FerryContext } from "../context";

export const START_PROJECT = "Start Project Sessions";
export const STOP_PROJECT = "Stop Project Sessions";
export const OPEN_PROJECT_FILE = `Open ${PROJECT_FILE}`;

/** A local folder that may hold a project, as the commands and the offer see it. */
export interface ProjectFolder {
  /** Its name in the workspace. */
  name: string;
  /** The folder as the workspace has it, and with symbolic links resolved. */
  path: string;
  dir: string;
  /** The project's id (the value of its sessions' ferry-project label). */
  id: string;
  hasFile: boolean;
  /** How many sessions of the project the daemon has. */
  running: number;
}

/** Describes a local folder; undefined when it does not exist. */
export function projectFolder(ctx: FerryContext, folderPath: string, name = path.basename(folderPath)): ProjectFolder | undefined {
  let dir: string;
  try {
    dir = fs.realpathSync.native(folderPath);
  } catch {
    return undefined;
  }
  const id = projectId(dir);
  const s = projectSessions(ctx.store.state, id);
  return { name, path: folderPath, dir, id, hasFile: fs.existsSync(path.join(dir, PROJECT_FILE)), running: s.sync.length + s.forward.length };
}

/** The workspace's local folders. */
export function projectFolders(ctx: FerryContext): ProjectFolder[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === "file")
    .flatMap((f) => projectFolder(ctx, f.uri.fsPath, f.name) ?? []);
}

interface FolderItem extends vscode.QuickPickItem {
  folder: ProjectFolder;
}

/** The folder a command acts on: its argument (a folder or a ferry.yml), or one eligible workspace folder. */
async function chooseFolder(
  ctx: FerryContext,
  arg: unknown,
  title: string,
  eligible: (f: ProjectFolder) => boolean,
  none: string,
): Promise<ProjectFolder | undefined> {
  const node = arg as { kind?: string; id?: string } | undefined;
  const dir = node?.kind === "project" && node.id ? ctx.names().projectDirs?.[node.id] : undefined;
  if (dir) {
    return projectFolder(ctx, dir);
  }
  if (arg instanceof vscode.Uri && arg.scheme === "file") {
    const p = path.basename(arg.fsPath) === PROJECT_FILE ? path.dirname(arg.fsPath) : arg.fsPath;
    const f = projectFolder(ctx, p);
    if (!f) {
      throw new Error(`${p} does not exist`);
    }
    return f;
  }
  const candidates = projectFolders(ctx).filter(eligible);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Ferry: ${none}`);
    return undefined;
  }
  if (candidates.length === 1) {
    return candidates[0];
  }
  const picked = await vscode.window.showQuickPick<FolderItem>(
    candidates.map((folder) => ({ label: folder.name, description: folder.path, folder })),
    { title: `Ferry: ${title}`, placeHolder: "Which folder's project?" },
  );
  return picked?.folder;
}

export const startProjectSessions: CommandFactory = (ctx) => async (arg?: unknown) => {
  const folder = await chooseFolder(
    ctx,
    arg,
    START_PROJECT,
    (f) => f.hasFile,
    `no open folder has a ${PROJECT_FILE}; write one that declares the folder's sessions (see "Project files" in ferry's README).`,
  );
  if (!folder) {
    return undefined;
  }
  const where = `${folder.name}/${PROJECT_FILE}`;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Ferry: starting the sessions of ${where}…` },
      async (progress) => {
        const plan = await readPlan(ctx.ferryPath(), ctx.env, folder.dir);
        if (plan.id !== folder.id) {
          throw new Error(
            `${ctx.ferryPath()} labels the project in ${folder.dir} ${plan.id}, this extension ${folder.id}: ` +
              "use a ferry and an extension of the same release",
          );
        }
        if (hasHooks(plan) && !vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage(
            `Ferry: ${where} has hooks, shell commands that run around the sessions; trust this workspace to run them, or start the project with "ferry project start" in a terminal.`,
          );
          return undefined;
        }
        const log = (line: string) => ctx.log.info(`${where}: ${line}`);
        try {
          await runHooks(runShell, plan, "beforeCreate", log);
        } catch (e) {
          throw e instanceof HookFailed ? new HookFailed(`${e.message}; nothing was started`) : e;
        }
        const started = await startProject(ctx.backend, plan, (what) => progress.report({ message: `${what} created` }));
        const names = [...started.sync, ...started.forward].map((s) => s.name).join(", ");
        ctx.log.info(`started ${plan.file} (${plan.selector}): ${names}`);
        try {
          if (plan.hooks?.flushOnCreate && started.sync.length > 0) {
            progress.report({ message: "flushing (flushOnCreate)" });
            await ctx.backend.request(Method.SyncFlush, { labelSelector: plan.selector });
          }
          await runHooks(runShell, plan, "afterCreate", log);
        } catch (e) {
          throw new Error(`${e instanceof Error ? e.message : String(e)}; the sessions are started (${STOP_PROJECT} terminates them)`);
        }
        void vscode.window.showInformationMessage(`Ferry: started ${countSessions(started.sync.length, started.forward.length)} of ${where}.`);
        return started;
      },
    );
  } catch (e) {
    if (e instanceof ProjectFileError) {
      showProblems(ctx, e);
      return undefined;
    }
    if (e instanceof AlreadyStarted) {
      void vscode.window
        .showWarningMessage(
          `Ferry: the sessions of ${where} are already started (${countSessions(e.sync, e.forward)}); stop them first to start them again.`,
          STOP_PROJECT,
        )
        .then((choice) => {
          if (choice === STOP_PROJECT) {
            void vscode.commands.executeCommand("ferry.stopProject", vscode.Uri.file(folder.path));
          }
        });
      return undefined;
    }
    throw e;
  }
};

export const stopProjectSessions: CommandFactory = (ctx) => async (arg?: unknown) => {
  const node = arg as { kind?: string; id?: string } | undefined;
  if (node?.kind === "project" && node.id && !ctx.names().projectDirs?.[node.id]) {
    // The project of a folder that is not open: stopped by its label.
    const n = await stopProject(ctx.backend, node.id);
    void vscode.window.showInformationMessage(`Ferry: stopped ${countSessions(n.sync, n.forward)}; the files stay as they are.`);
    return n;
  }
  const folder = await chooseFolder(ctx, arg, STOP_PROJECT, (f) => f.running > 0, "no open folder has project sessions running.");
  if (!folder) {
    return undefined;
  }
  const plan = await terminateHooksOf(ctx, folder);
  const where = `${folder.name}/${PROJECT_FILE}`;
  const log = (line: string) => ctx.log.info(`${where}: ${line}`);
  // A failing hook is reported; the sessions are terminated anyway, as the CLI does.
  const failed: string[] = [];
  const hook = async (kind: "beforeTerminate" | "afterTerminate") => {
    if (plan) {
      await runHooks(runShell, plan, kind, log).catch((e: Error) => failed.push(e.message));
    }
  };
  await hook("beforeTerminate");
  const n = await stopProject(ctx.backend, folder.id);
  await hook("afterTerminate");
  for (const f of failed) {
    ctx.log.error(f);
    void vscode.window.showErrorMessage(`Ferry: ${f} (the sessions were terminated anyway)`);
  }
  const total = n.sync + n.forward;
  ctx.log.info(`stopped the project in ${folder.dir}: ${total} sessions`);
  void vscode.window.showInformationMessage(
    total > 0
      ? `Ferry: stopped ${countSessions(n.sync, n.forward)} of ${folder.name}/${PROJECT_FILE}; the files stay as they are.`
      : `Ferry: ${folder.name} has no project sessions to stop.`,
  );
  return n;
};

/**
 * The plan whose terminate hooks a stop runs: none when the folder's ferry.yml cannot
 * be read now (the sessions are stopped all the same), or when the workspace is not
 * trusted (said in the log and a warning).
 */
async function terminateHooksOf(ctx: FerryContext, folder: ProjectFolder): Promise<ProjectPlan | undefined> {
  let plan: ProjectPlan;
  try {
    plan = await readPlan(ctx.ferryPath(), ctx.env, folder.dir);
  } catch (e) {
    ctx.log.warn(`not running the terminate hooks of ${folder.dir}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  if (!hasHooks(plan)) {
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`Ferry: not running the terminate hooks of ${folder.name}/${PROJECT_FILE}, as this workspace is not trusted.`);
    return undefined;
  }
  return plan;
}

/** Shows the first problem of a project file (all of them go to the log), with a button that opens the file at its line. */
function showProblems(ctx: FerryContext, e: ProjectFileError): void {
  for (const line of e.message.split("\n")) {
    ctx.log.error(line);
  }
  const [first] = e.problems;
  const where = first.line > 0 ? `${e.file}:${first.line}: ` : "";
  const more = e.problems.length > 1 ? ` (and ${plural(e.problems.length - 1, "more problem")}: see Ferry: Show Logs)` : "";
  const buttons = e.noFile ? [] : [OPEN_PROJECT_FILE];
  void vscode.window.showErrorMessage(`Ferry: ${where}${first.message}${more}`, ...buttons).then(async (choice) => {
    if (choice !== OPEN_PROJECT_FILE) {
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(e.file));
    const line = Math.max(0, first.line - 1);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0) });
  });
}

/** Opens the ferry.yml a project group of the tree stands for (or the one of a workspace folder). */
export const openProjectFile: CommandFactory = (ctx) => async (arg?: unknown) => {
  const node = arg as { kind?: string; id?: string } | undefined;
  let dir = node?.kind === "project" && node.id ? ctx.names().projectDirs?.[node.id] : undefined;
  if (!dir) {
    const folder = await chooseFolder(ctx, arg, OPEN_PROJECT_FILE, (f) => f.hasFile, `no open folder has a ${PROJECT_FILE}.`);
    dir = folder?.path;
  }
  if (!dir) {
    return;
  }
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(dir, PROJECT_FILE))));
};
