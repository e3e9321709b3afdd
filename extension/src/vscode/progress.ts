/**
 * A progress notification for a large first sync: bytes done of the total, rate and
 * time left, while a session that has not completed a cycle yet stages more than
 * LARGE bytes. It closes when the staging ends. Smaller syncs show in the status bar
 * only.
 */
import * as vscode from "vscode";
import { Status, SyncSession } from "../protocol.gen";
import { progressDetail } from "../core/describe";
import { percent } from "../core/format";
import { syncTitle } from "../core/names";
import { FerryContext } from "./context";

export const LARGE = 64 << 20;

/** Whether s is in a large first sync's staging. */
export function inLargeFirstSync(s: SyncSession | undefined): boolean {
  return !!s && s.cycles === 0 && !s.paused && (s.status === Status.StagingAlpha || s.status === Status.StagingBeta) && (s.staging?.bytesTotal ?? 0) >= LARGE;
}

export function createFirstSyncProgress(ctx: FerryContext): vscode.Disposable {
  const open = new Map<string, { report: (s: SyncSession) => void; done: () => void }>();
  const unsubscribe = ctx.store.subscribe((state) => {
    for (const [id, p] of open) {
      const s = state.sync[id];
      if (!s || !(/^staging-|^transitioning$|^saving$/.test(s.status) && s.cycles === 0) || s.paused) {
        p.done();
        open.delete(id);
      } else {
        p.report(s);
      }
    }
    for (const id of state.syncOrder) {
      const s = state.sync[id];
      if (open.has(id) || !inLargeFirstSync(s)) {
        continue;
      }
      let finish: (() => void) | undefined;
      let finished = false;
      let last = 0;
      let progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
      const report = (x: SyncSession) => {
        const pct = x.staging && x.staging.bytesTotal > 0 ? percent(x.staging.bytesDone, x.staging.bytesTotal) : last;
        progress?.report({ message: progressDetail(x), increment: Math.max(0, pct - last) });
        last = Math.max(last, pct);
      };
      open.set(id, {
        report,
        done: () => {
          finished = true;
          finish?.();
        },
      });
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Ferry: first sync of ${syncTitle(s, ctx.names())}` },
        (p) => {
          progress = p;
          report(s);
          return new Promise<void>((resolve) => {
            finish = resolve;
            if (finished) {
              resolve();
            }
          });
        },
      );
    }
  });
  return new vscode.Disposable(() => {
    unsubscribe();
    open.forEach((p) => p.done());
  });
}
