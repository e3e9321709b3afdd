/** Show Conflict (a diff of both sides) and Keep Alpha / Keep Beta (per file or in bulk). */
import * as vscode from "vscode";
import { Method, SyncSession } from "../../protocol.gen";
import { displayName } from "../../core/describe";
import { plural } from "../../core/format";
import { Node } from "../../core/tree";
import { conflictUri, parseConflictUri } from "../conflicts";
import { CommandFactory, FerryContext } from "../context";

/** Conflicts chosen by a command: one session's paths, or all of its conflicts. */
interface Choice {
  session: SyncSession;
  /** Empty means every conflict of the session. */
  paths: string[];
}

interface ConflictItem extends vscode.QuickPickItem {
  choice: Choice;
}

/** Reads a command argument: a conflict or session node, or a conflict document's uri. */
function fromArg(ctx: FerryContext, arg: unknown): Choice | undefined {
  const state = ctx.store.state;
  if (arg instanceof vscode.Uri) {
    const ref = parseConflictUri(arg);
    const s = ref && state.sync[ref.session];
    return s ? { session: s, paths: [ref.path] } : undefined;
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

/** Picks a conflict among every session's (from sync/conflicts), or all of one session's. */
async function pickConflict(ctx: FerryContext, title: string, allowAll: boolean): Promise<Choice | undefined> {
  const r = await ctx.backend.request(Method.SyncConflicts, {});
  const items: ConflictItem[] = [];
  for (const sc of r.sessions ?? []) {
    const s = ctx.store.state.sync[sc.id];
    if (!s || !sc.conflicts?.length) {
      continue;
    }
    items.push({ label: displayName(s), kind: vscode.QuickPickItemKind.Separator, choice: { session: s, paths: [] } });
    if (allowAll && sc.conflicts.length > 1) {
      items.push({ label: `$(check-all) All ${sc.conflicts.length} conflicts of ${displayName(s)}`, choice: { session: s, paths: [] } });
    }
    for (const c of sc.conflicts) {
      items.push({
        label: `$(diff) ${c.path || "(root)"}`,
        description: `alpha: ${c.alpha.kind} · beta: ${c.beta.kind}`,
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
    choice = await pickConflict(ctx, "Show Conflict", false);
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
    `${p}: alpha ↔ beta (${displayName(choice.session)})`,
    { preview: true },
  );
};

export function keep(side: "alpha" | "beta"): CommandFactory {
  const Side = side === "alpha" ? "Alpha" : "Beta";
  const other = side === "alpha" ? "beta" : "alpha";
  return (ctx) => async (arg?: unknown) => {
    const choice = fromArg(ctx, arg) ?? (await pickConflict(ctx, `Keep ${Side}`, true));
    if (!choice) {
      return;
    }
    const s = choice.session;
    if (choice.paths.length === 0) {
      const n = s.conflictCount;
      const confirm = await vscode.window.showWarningMessage(
        `Keep ${side}'s version of all ${plural(n, "conflict")} of ${displayName(s)}?`,
        { modal: true, detail: `The ${other} versions are replaced (${other}: ${s[other].url}).` },
        `Keep ${Side}`,
      );
      if (confirm !== `Keep ${Side}`) {
        return;
      }
    }
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Ferry: keeping ${side} in ${displayName(s)}…` },
      () => ctx.backend.request(Method.SyncResolve, { session: s.id, paths: choice.paths, keep: side }),
    );
    const failed = r.failed ?? [];
    const resolved = r.resolved ?? [];
    ctx.log.info(`kept ${side} for ${resolved.length} path(s) of ${s.id}; ${failed.length} failed`);
    if (failed.length) {
      void vscode.window.showWarningMessage(
        `Ferry: kept ${side} for ${plural(resolved.length, "path")}; ${plural(failed.length, "path")} failed: ` +
          failed.map((f) => `${f.path}: ${f.error}`).join("; "),
      );
    } else {
      void vscode.window.showInformationMessage(`Ferry: kept ${side}'s version of ${plural(resolved.length, "path")}.`);
    }
  };
}
