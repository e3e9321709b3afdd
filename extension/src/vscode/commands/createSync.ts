/** Ferry: Create Sync Session: this folder with a local folder or a path on an SSH host. */
import * as path from "path";
import * as vscode from "vscode";
import { Code, Method, SyncSession } from "../../protocol.gen";
import { FerryError } from "../../core/backend";
import { sessionName, syncURL } from "../../core/endpoints";
import { CommandFactory, FerryContext } from "../context";
import { baseName, pickHost, pickWorkspaceFolder } from "../pick";

export const modes = [
  { label: "two-way-safe", description: "default: changes flow both ways; edits on both sides are conflicts" },
  { label: "two-way-resolved", description: "changes flow both ways; alpha (this folder) wins conflicts" },
  { label: "one-way-safe", description: "this folder → the other; never overwrites edits made there" },
  { label: "one-way-replica", description: "the other side becomes an exact copy of this folder" },
];

const title = "Ferry: Create Sync Session";

export const createSyncSession: CommandFactory = (ctx) => async (folderArg?: vscode.Uri) => {
  const folder = folderArg instanceof vscode.Uri ? folderArg.fsPath : await pickWorkspaceFolder();
  if (!folder) {
    return;
  }
  const base = baseName(folder);
  const host = await pickHost(ctx, `${title}: sync ${base} with…`, true);
  if (host === undefined) {
    return;
  }
  const other = await vscode.window.showInputBox({
    title,
    prompt: host ? `Folder on ${host} (absolute, or relative to the remote home as ~/path)` : "Absolute path of the other folder on this machine",
    value: host ? `~/${base}` : `${folder}-copy`,
    validateInput: (v) => validateOther(folder, host, v),
  });
  if (!other) {
    return;
  }
  const mode = await vscode.window.showQuickPick(modes, { title, placeHolder: "Synchronization mode" });
  if (!mode) {
    return;
  }
  const session = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ferry: connecting ${base} with ${host || other}…` },
    () => create(ctx, sessionName(base), folder, syncURL(host, other.trim()), mode.label),
  );
  ctx.log.info(`created sync session ${session.name ?? session.id}: ${session.alpha.url} ⇄ ${session.beta.url}`);
  return session;
};

function validateOther(folder: string, host: string, value: string): string | undefined {
  const v = value.trim();
  if (v === "") {
    return "Enter a path";
  }
  if (host) {
    return v.startsWith("/") || v === "~" || v.startsWith("~/") ? undefined : "Write an absolute path or ~/path";
  }
  if (!path.isAbsolute(v)) {
    return "Write an absolute path";
  }
  const a = path.resolve(folder);
  const b = path.resolve(v);
  if (a === b || b.startsWith(a + path.sep) || a.startsWith(b + path.sep)) {
    return "The two folders must not contain each other";
  }
  return undefined;
}

/** Creates the session, adding a suffix to the name while it is taken. */
async function create(ctx: FerryContext, name: string, alpha: string, beta: string, mode: string): Promise<SyncSession> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name}-${i}`;
    try {
      const r = await ctx.backend.request(Method.SyncCreate, { name: candidate, alpha, beta, config: { mode } });
      return r.session;
    } catch (e) {
      if (!(e instanceof FerryError && e.code === Code.Exists) || i >= 20) {
        throw e;
      }
    }
  }
}
