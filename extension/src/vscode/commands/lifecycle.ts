/** Pause, resume, flush, reset and terminate, for sync and (where it applies) forward sessions. */
import * as vscode from "vscode";
import { ClientRequests, Method } from "../../protocol.gen";
import { displayName } from "../../core/describe";
import { CommandFactory } from "../context";
import { resolveTarget, Target } from "../pick";

type SelectionMethod = {
  [M in keyof ClientRequests]: ClientRequests[M]["params"] extends { sessions?: string[] } ? M : never;
}[keyof ClientRequests];

interface Operation {
  title: string;
  sync: SelectionMethod;
  forward?: SelectionMethod;
  /** Which sessions the operation applies to. */
  applies: (t: Target) => boolean;
  /** Shown while it runs (flush waits for a whole cycle). */
  progress?: string;
}

const running = (t: Target) => !t.session.paused;
const operations: Record<string, Operation> = {
  pause: { title: "Pause", sync: Method.SyncPause, forward: Method.ForwardPause, applies: running },
  resume: { title: "Resume", sync: Method.SyncResume, forward: Method.ForwardResume, applies: (t) => t.session.paused },
  flush: {
    title: "Flush",
    sync: Method.SyncFlush,
    applies: (t) => t.kind === "sync" && running(t),
    progress: "synchronizing",
  },
  reset: { title: "Reset", sync: Method.SyncReset, applies: (t) => t.kind === "sync" },
  terminate: { title: "Terminate", sync: Method.SyncTerminate, forward: Method.ForwardTerminate, applies: () => true },
};

export type OperationName = keyof typeof operations;

/** A command factory for one operation. */
export function lifecycle(name: OperationName): CommandFactory {
  const op = operations[name];
  return (ctx) => async (arg?: unknown) => {
    const target = await resolveTarget(ctx, arg, op.title, (t) => op.applies(t) && (t.kind === "sync" || !!op.forward));
    if (!target) {
      return;
    }
    const method = target.kind === "sync" ? op.sync : op.forward;
    if (!method) {
      void vscode.window.showInformationMessage(`Ferry: a forward session cannot be ${op.title.toLowerCase()}ed.`);
      return;
    }
    const params = { sessions: [target.session.id] };
    const run = () => ctx.backend.request(method, params);
    if (op.progress) {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Ferry: ${op.progress} ${displayName(target.session)}…` },
        run,
      );
    } else {
      await run();
    }
    ctx.log.info(`${name} ${target.session.id}`);
  };
}
