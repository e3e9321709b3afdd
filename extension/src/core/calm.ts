/**
 * Debounces the unsettled phases (connecting, reconnecting) so that a connection that
 * flaps between connecting and disconnected, or drops for a moment, does not make the
 * editor flicker: a session that was settled keeps showing its settled phase until it
 * has been unsettled for delayMs; once shown, an unsettled episode reads
 * "reconnecting" (never back to "connecting") until the session settles, which shows
 * at once. Timers are injected, so tests drive the clock. No vscode import.
 */
import { Phase } from "./describe";

const unsettled = (p: Phase) => p === "connecting" || p === "reconnecting";

interface Track {
  shown: Phase;
  /** When the current unsettled episode began. */
  since?: number;
  timer?: { cancel(): void };
}

export interface CalmOptions {
  delayMs: number;
  now: () => number;
  /** Runs fn after ms; cancel stops it. */
  schedule: (ms: number, fn: () => void) => { cancel(): void };
  /** Called when a phase shown changes because time passed (not because of a new state). */
  onChange: () => void;
}

export class Calm {
  private tracks = new Map<string, Track>();

  constructor(private readonly options: CalmOptions) {}

  /** The phase to show for session id, whose state alone says actual. */
  shown(id: string, actual: Phase): Phase {
    const t = this.tracks.get(id);
    if (!t) {
      // A session seen for the first time shows what it is.
      this.tracks.set(id, { shown: actual, since: unsettled(actual) ? this.options.now() : undefined });
      return actual;
    }
    if (!unsettled(actual)) {
      t.timer?.cancel();
      t.timer = undefined;
      t.since = undefined;
      t.shown = actual;
      return actual;
    }
    if (unsettled(t.shown)) {
      // Within an episode already shown: once reconnecting, it stays so.
      t.shown = t.shown === "reconnecting" || actual === "reconnecting" ? "reconnecting" : "connecting";
      return t.shown;
    }
    const now = this.options.now();
    t.since ??= now;
    const left = t.since + this.options.delayMs - now;
    if (left <= 0) {
      t.timer = undefined;
      t.shown = "reconnecting";
      return t.shown;
    }
    if (!t.timer) {
      t.timer = this.options.schedule(left, () => {
        t.timer = undefined;
        this.options.onChange();
      });
    }
    return t.shown;
  }

  /** Forgets sessions that are gone. */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const [id, t] of this.tracks) {
      if (!keep.has(id)) {
        t.timer?.cancel();
        this.tracks.delete(id);
      }
    }
  }

  dispose(): void {
    for (const t of this.tracks.values()) {
      t.timer?.cancel();
    }
    this.tracks.clear();
  }
}
