/**
 * The backend restart policy, in one place: the `ferry --stdio` child is restarted
 * after a crash unless it crashed `maxCrashes` times within `windowMs`, in which case
 * the extension stops and offers a manual restart (which forgets the history).
 */
export interface RestartPolicyOptions {
  /** Crashes tolerated in a window; the one that reaches this count stops restarts. */
  maxCrashes: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /** First restart delay in milliseconds; doubles with each crash in the window. */
  baseDelayMs: number;
  /** Upper bound of the restart delay. */
  maxDelayMs: number;
}

export const defaultRestartPolicy: RestartPolicyOptions = {
  maxCrashes: 5,
  windowMs: 3 * 60 * 1000,
  baseDelayMs: 250,
  maxDelayMs: 4000,
};

/** What to do after a crash. */
export type RestartDecision =
  | { restart: true; delayMs: number; crashes: number }
  | { restart: false; crashes: number };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(readonly options: RestartPolicyOptions = defaultRestartPolicy) {}

  /** Records a crash at time now (ms) and says whether to restart, and when. */
  crashed(now: number): RestartDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    if (n >= this.options.maxCrashes) {
      return { restart: false, crashes: n };
    }
    const delayMs = Math.min(this.options.baseDelayMs * 2 ** (n - 1), this.options.maxDelayMs);
    return { restart: true, delayMs, crashes: n };
  }

  /** Forgets past crashes (a person asked for a restart). */
  reset(): void {
    this.crashes = [];
  }
}
