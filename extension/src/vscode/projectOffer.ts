/**
 * Offers to start a workspace folder's project when it has a ferry.yml and none of its
 * sessions runs: a notification once per folder and window (when the daemon's state is
 * known), and the Sync view's welcome content for as long as it holds (context key
 * ferry.projectStartable). It follows the daemon's notifications, the workspace's
 * folders and ferry.yml files appearing or going; it never polls.
 */
import * as vscode from "vscode";
import { PROJECT_FILE, projectSessions } from "../core/project";
import { FerryContext } from "./context";
import { projectFolders, START_PROJECT } from "./commands/project";

export const NOT_NOW = "Not Now";
export const STARTABLE_CONTEXT = "ferry.projectStartable";

export function createProjectOffer(ctx: FerryContext): vscode.Disposable {
  const offered = new Set<string>();
  let startable: boolean | undefined;
  // Which folders hold a ferry.yml, refreshed when folders or files change (not on
  // every session notification).
  let folders = projectFolders(ctx);

  const evaluate = () => {
    if (ctx.store.state.backend.state !== "running") {
      return;
    }
    let any = false;
    for (const f of folders) {
      if (!f.hasFile || running(f.id)) {
        continue;
      }
      any = true;
      if (!offered.has(f.dir)) {
        offered.add(f.dir);
        void vscode.window
          .showInformationMessage(`Ferry: ${f.name} has a ${PROJECT_FILE}; start the sessions it declares?`, START_PROJECT, NOT_NOW)
          .then((choice) => {
            if (choice === START_PROJECT) {
              void vscode.commands.executeCommand("ferry.startProject", vscode.Uri.file(f.path));
            }
          });
      }
    }
    if (any !== startable) {
      startable = any;
      void vscode.commands.executeCommand("setContext", STARTABLE_CONTEXT, any);
    }
  };
  const running = (id: string) => {
    const s = projectSessions(ctx.store.state, id);
    return s.sync.length + s.forward.length > 0;
  };
  const rescan = () => {
    folders = projectFolders(ctx);
    evaluate();
  };

  const watcher = vscode.workspace.createFileSystemWatcher(`**/${PROJECT_FILE}`);
  const disposables = [
    watcher,
    watcher.onDidCreate(rescan),
    watcher.onDidDelete(rescan),
    vscode.workspace.onDidChangeWorkspaceFolders(rescan),
  ];
  const unsubscribe = ctx.store.subscribe(evaluate);
  evaluate();
  return new vscode.Disposable(() => {
    unsubscribe();
    disposables.forEach((d) => d.dispose());
  });
}
