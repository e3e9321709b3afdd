/**
 * Pause, Resume, Sync Now, Reset… and Terminate…, for sync and (where it applies)
 * forward sessions. Reset and Terminate ask first, saying what they do; Reset says
 * what came of it.
 */
import * as vscode from "vscode";
import { ClientRequests, Code, Method } from "../../protocol.gen";
import { FerryError } from "../../core/backend";
import { forwardTitle, syncTitle } from "../../core/names";
import { CommandFactory, FerryContext } from "../context";
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
  /** Shown while it runs (Sync Now waits for a whole cycle). */
  progress?: string;
  /** A modal question, its detail and its button; the operation runs only when the button is chosen. */
  confirm?: (ctx: FerryContext, t: Target, name: string) => { message: string; detail: string; button: string };
  /** Said when it is done. */
  done?: (name: string) => string;
}

const running = (t: Target) => !t.session.paused;
const operations: Record<string, Operation> = {
  pause: { title: "Pause", sync: Method.SyncPause, forward: Method.ForwardPause, applies: running },
  resume: { title: "Resume", sync: Method.SyncResume, forward: Method.ForwardResume, applies: (t) => t.session.paused },
  flush: {
    title: "Sync Now",
    sync: Method.SyncFlush,
    applies: (t) => t.kind === "sync" && running(t),
    progress: "synchronizing",
  },
  reset: {
    title: "Reset",
    sync: Method.SyncReset,
    applies: (t) => t.kind === "sync",
    confirm: (_ctx, _t, name) => ({
      message: `Reset ${name}?`,
      detail:
        "Ferry forgets what both sides last agreed on and compares them afresh, as on a first sync. " +
        "Nothing is deleted: files that differ become conflicts for you to resolve. " +
        "Reset is the way out of a halt that says a side is no longer the same.",
      button: "Reset",
    }),
    done: (name) => `Ferry: ${name} was reset; both sides are being compared afresh.`,
  },
  terminate: {
    title: "Terminate",
    sync: Method.SyncTerminate,
    forward: Method.ForwardTerminate,
    applies: () => true,
    confirm: (_ctx, t, name) =>
      t.kind === "sync"
        ? { message: `Stop syncing ${name}?`, detail: "The session ends; the files stay as they are on both sides.", button: "Stop Syncing" }
        : { message: `Stop forwarding ${name}?`, detail: "Open connections are closed and the port stops listening.", button: "Stop Forwarding" },
  },
};

export type OperationName = keyof typeof operations;

export function targetName(ctx: FerryContext, t: Target): string {
  return t.kind === "sync" ? syncTitle(t.session, ctx.names()) : forwardTitle(t.session, ctx.processOf(t.session));
}

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
      void vscode.window.showInformationMessage(`Ferry: a forward cannot be ${op.title.toLowerCase()}.`);
      return;
    }
    const label = targetName(ctx, target);
    if (op.confirm) {
      const q = op.confirm(ctx, target, label);
      const choice = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, q.button);
      if (choice !== q.button) {
        return;
      }
    }
    const params = { sessions: [target.session.id] };
    const run = () => ctx.backend.request(method, params);
    try {
      if (op.progress) {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Ferry: ${op.progress} ${label}…` }, run);
      } else {
        await run();
      }
    } catch (e) {
      if (e instanceof FerryError && e.code === Code.Halted) {
        throw new Error(`${label} is halted: ${e.message}`);
      }
      throw e;
    }
    ctx.log.info(`${op.title.toLowerCase()}: ${label}`);
    if (op.done) {
      void vscode.window.showInformationMessage(op.done(label));
    }
  };
}
