/**
 * Compare Versions (a diff of both sides), Keep one side's version (per file, from the
 * tree, the diff's title bar or the Explorer), and Resolve Conflicts… (all of a
 * session's at once). Sides are named by place ("this machine", "devbox"); after a
 * keep, the diffs of what was resolved close.
 */
import * as vscode from "vscode";
import { Method, SyncSession } from "../../protocol.gen";
import { isRemoteURL } from "../../core/endpoints";
import { plural } from "../../core/format";
import { possessive, sideName, SideKey, syncTitle } from "../../core/names";
import { Node, summary } from "../../core/tree";
import { closeConflictTabs, conflictUri, diffTitle, parseConflictUri } from "../conflicts";
import { CommandFactory, FerryContext } from "../context";
import { conflictFiles } from "../decorations";

/** Conflicts chosen by a command: one session's paths, or all of its conflicts. */
interface Choice {
  session: SyncSession;
  /** Empty means every conflict of the session. */
  paths: string[];
}

interface ConflictItem extends vscode.QuickPickItem {
  choice?: Choice;
}

/** The side whose version is in the active diff's or document's focus: a conflict document's uri, a tree node, a local file. */
function fromArg(ctx: FerryContext, arg: unknown): Choice | undefined {
  const state = ctx.store.state;
  if (arg instanceof vscode.Uri) {
    const ref = parseConflictUri(arg);
    if (ref) {
      const s = state.sync[ref.session];
      return s ? { session: s, paths: [ref.path] } : undefined;
    }
    if (arg.scheme === "file") {
      const f = conflictFiles(state, ctx).get(arg.path);
      return f && state.sync[f.session] ? { session: state.sync[f.session], paths: [f.path] } : undefined;
    }
    return undefined;
  }
  const node = arg as Node | undefined;
  if (node?.kind === "conflict" && state.sync[node.session]) {
    return { session: state.sync[node.session], paths: [node.path] };
  }
  if (node?.kind === "sync" && state.sync[node.id]) {
    return { session: state.sync[node.id], paths: [] };
  }
  return undefined;
}

/** The conflict of the diff in the active editor, if one is shown. */
function activeConflict(ctx: FerryContext): Choice | undefined {
  const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input as { original?: vscode.Uri } | undefined;
  return input?.original ? fromArg(ctx, input.original) : undefined;
}

/** Picks a conflict among every session's (from sync/conflicts). */
async function pickConflict(ctx: FerryContext, title: string): Promise<Choice | undefined> {
  const r = await ctx.backend.request(Method.SyncConflicts, {});
  const items: ConflictItem[] = [];
  for (const sc of r.sessions ?? []) {
    const s = ctx.store.state.sync[sc.id];
    if (!s || !sc.conflicts?.length) {
      continue;
    }
    const names = ctx.names();
    items.push({ label: syncTitle(s, names), kind: vscode.QuickPickItemKind.Separator });
    for (const c of sc.conflicts) {
      items.push({
        label: `$(diff) ${c.path || "(the whole folder)"}`,
        description: `${sideName(s, "alpha", names)}: ${summary(c.alpha)} · ${sideName(s, "beta", names)}: ${summary(c.beta)}`,
        choice: { session: s, paths: [c.path] },
      });
    }
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage("Ferry: no conflicts.");
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: `Ferry: ${title}`, placeHolder: "Pick a conflict" });
  return picked?.choice;
}

export const showConflict: CommandFactory = (ctx) => async (arg?: unknown) => {
  let choice = fromArg(ctx, arg);
  if (!choice || choice.paths.length !== 1) {
    choice = await pickConflict(ctx, "Compare Versions");
  }
  if (!choice) {
    return;
  }
  const [p] = choice.paths;
  const id = choice.session.id;
  await vscode.commands.executeCommand(
    "vscode.diff",
    conflictUri({ session: id, side: "alpha", path: p }),
    conflictUri({ session: id, side: "beta", path: p }),
    diffTitle(ctx, choice.session, p),
    { preview: true },
  );
};

/** Keeps side's version of the chosen conflicts, closes their diffs, and says so. */
async function keepSide(ctx: FerryContext, choice: Choice, side: SideKey): Promise<void> {
  const s = choice.session;
  const names = ctx.names();
  const keeper = sideName(s, side, names);
  const other = sideName(s, side === "alpha" ? "beta" : "alpha", names);
  const title = syncTitle(s, names);
  if (choice.paths.length === 0) {
    const n = s.conflictCount;
    const button = `Keep ${possessive(keeper)} Versions`;
    const confirm = await vscode.window.showWarningMessage(
      `Keep ${possessive(keeper)} version of all ${plural(n, "conflict")} of ${title}?`,
      { modal: true, detail: `${possessive(other)} versions are replaced (and kept in its trash: Restore from Trash… brings them back).` },
      button,
    );
    if (confirm !== button) {
      return;
    }
  }
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ferry: keeping ${possessive(keeper)} version…` },
    () => ctx.backend.request(Method.SyncResolve, { session: s.id, paths: choice.paths, keep: side }),
  );
  const failed = r.failed ?? [];
  const resolved = r.resolved ?? [];
  await closeConflictTabs(s.id, choice.paths.length ? resolved : undefined);
  ctx.log.info(`kept ${possessive(keeper)} version of ${plural(resolved.length, "path")} of ${title}; ${failed.length} failed`);
  if (failed.length) {
    void vscode.window.showWarningMessage(
      `Ferry: kept ${possessive(keeper)} version of ${plural(resolved.length, "file")}; ${plural(failed.length, "file")} could not be: ` +
        failed.map((f) => `${f.path}: ${f.error}`).join("; "),
    );
  } else {
    const what = resolved.length === 1 ? resolved[0] : plural(resolved.length, "file");
    void vscode.window.showInformationMessage(`Ferry: kept ${possessive(keeper)} version of ${what}; ${other} has it now.`);
  }
}

/** Keep Left / Keep Right: the first (left in the diff) or second side. */
export function keep(side: SideKey): CommandFactory {
  return (ctx) => async (arg?: unknown) => {
    const choice = fromArg(ctx, arg) ?? activeConflict(ctx) ?? (await pickConflict(ctx, `Keep ${side === "alpha" ? "Left" : "Right"} Version`));
    if (!choice) {
      return;
    }
    await keepSide(ctx, choice, side);
  };
}

/** Keep This Machine's Version / Keep the Remote Version: the side that is local, or remote. */
export function keepPlace(place: "local" | "remote"): CommandFactory {
  return (ctx) => async (arg?: unknown) => {
    const choice = fromArg(ctx, arg) ?? activeConflict(ctx) ?? (await pickConflict(ctx, place === "local" ? "Keep This Machine's Version" : "Keep the Remote Version"));
    if (!choice) {
      return;
    }
    const s = choice.session;
    const localAlpha = !isRemoteURL(s.alpha.url);
    const localBeta = !isRemoteURL(s.beta.url);
    if (localAlpha === localBeta) {
      throw new Error(`${syncTitle(s, ctx.names())} has ${localAlpha ? "both sides on this machine" : "no side on this machine"}: keep the left or the right version instead`);
    }
    const side: SideKey = (place === "local") === localAlpha ? "alpha" : "beta";
    await keepSide(ctx, choice, side);
  };
}

/** Resolve Conflicts…: every conflict of a session, one side's version, chosen by place. */
export const resolveConflicts: CommandFactory = (ctx) => async (arg?: unknown) => {
  let choice = fromArg(ctx, arg);
  if (!choice) {
    const withConflicts = ctx.store.syncSessions().filter((s) => s.conflictCount > 0);
    if (withConflicts.length === 0) {
      void vscode.window.showInformationMessage("Ferry: no conflicts.");
      return;
    }
    const picked =
      withConflicts.length === 1
        ? withConflicts[0]
        : (
            await vscode.window.showQuickPick(
              withConflicts.map((s) => ({ label: syncTitle(s, ctx.names()), description: plural(s.conflictCount, "conflict"), s })),
              { title: "Ferry: Resolve Conflicts", placeHolder: "Which session?" },
            )
          )?.s;
    if (!picked) {
      return;
    }
    choice = { session: picked, paths: [] };
  }
  const s = choice.session;
  const names = ctx.names();
  const n = choice.paths.length || s.conflictCount;
  const items = (["alpha", "beta"] as const).map((side) => ({
    label: `$(check) Keep ${possessive(sideName(s, side, names))} version`,
    description: `of ${n === 1 ? "the conflict" : `all ${plural(n, "conflict")}`}`,
    detail: s[side].url,
    side,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: `Ferry: Resolve Conflicts of ${syncTitle(s, names)}`, placeHolder: "Which version wins?" });
  if (!picked) {
    return;
  }
  // The question was asked here: keep without asking again.
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ferry: keeping ${possessive(sideName(s, picked.side, names))} versions…` },
    () => ctx.backend.request(Method.SyncResolve, { session: s.id, paths: choice!.paths, keep: picked.side }),
  );
  await closeConflictTabs(s.id, choice.paths.length ? r.resolved ?? [] : undefined);
  const failed = r.failed ?? [];
  const msg = `Ferry: kept ${possessive(sideName(s, picked.side, names))} version of ${plural((r.resolved ?? []).length, "file")}` + (failed.length ? `; ${plural(failed.length, "file")} could not be (see the log)` : ".");
  failed.forEach((f) => ctx.log.warn(`${f.path}: ${f.error}`));
  void (failed.length ? vscode.window.showWarningMessage(msg) : vscode.window.showInformationMessage(msg));
};

