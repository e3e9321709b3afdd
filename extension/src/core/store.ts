/**
 * The sessions as the daemon last described them: a pure reducer fed by initialize's
 * session list and the sync/state and forward/state notifications, and a small store
 * that tells listeners after each change. Nothing here polls: state only moves when the
 * daemon says so.
 *
 * Order: every state carries a seq that grows per session (a daemon older than seq
 * sends none, 0 here). A state older than the one held (lower seq) is dropped, and so
 * is a late state of a session already seen terminated, so an out-of-order
 * notification never brings an old state, or a terminated session, back. A new
 * connection's initial state replaces everything (seq may start again with a new
 * daemon); the backend holds the notifications of a connection back until then.
 */
import { ForwardSession, SyncSession } from "../protocol.gen";
import { BackendStatus } from "./backend";

export interface State {
  backend: BackendStatus;
  /** The daemon's version, once connected. */
  version?: string;
  /** Sync sessions by id, and their ids in creation order. */
  sync: Readonly<Record<string, SyncSession>>;
  syncOrder: readonly string[];
  /** Forward sessions by id, and their ids in creation order. */
  forwards: Readonly<Record<string, ForwardSession>>;
  forwardOrder: readonly string[];
  /** The seq of the terminated notification of sessions gone since the connection began. */
  gone: Readonly<Record<string, number>>;
}

export type Action =
  | { type: "connected"; version: string; sessions: SyncSession[]; forwards: ForwardSession[] }
  | { type: "syncState"; session: SyncSession }
  | { type: "forwardState"; session: ForwardSession }
  | { type: "backend"; status: BackendStatus };

export const initialState: State = {
  backend: { state: "starting" },
  sync: {},
  syncOrder: [],
  forwards: {},
  forwardOrder: [],
  gone: {},
};

interface Session {
  id: string;
  createdAt: string;
  terminated?: boolean;
  seq?: number;
}

/** Whether incoming is older than what is held (and so must be dropped). */
function stale(held: Session | undefined, goneSeq: number | undefined, incoming: Session): boolean {
  const seq = incoming.seq ?? 0;
  if (goneSeq !== undefined && (seq === 0 || seq <= goneSeq)) {
    return true;
  }
  return held !== undefined && seq > 0 && (held.seq ?? 0) > seq;
}

function byCreation<T extends Session>(items: Record<string, T>): string[] {
  return Object.values(items)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
    .map((s) => s.id);
}

function index<T extends Session>(list: T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const s of list) {
    if (!s.terminated) {
      out[s.id] = s;
    }
  }
  return out;
}

function upsert<T extends Session>(items: Readonly<Record<string, T>>, order: readonly string[], gone: Readonly<Record<string, number>>, s: T) {
  if (stale(items[s.id], gone[s.id], s)) {
    return undefined;
  }
  const next: Record<string, T> = { ...items };
  if (s.terminated) {
    delete next[s.id];
    return { items: next, order: order.filter((id) => id !== s.id), gone: { ...gone, [s.id]: s.seq ?? 0 } };
  }
  const isNew = !(s.id in items);
  next[s.id] = s;
  return { items: next, order: isNew ? byCreation(next) : order, gone };
}

/** Normalizes what Go may send as null (empty slices). */
export function normalizeSync(s: SyncSession): SyncSession {
  return {
    ...s,
    conflicts: s.conflicts ?? [],
    alpha: { ...s.alpha, problems: s.alpha?.problems ?? [] },
    beta: { ...s.beta, problems: s.beta?.problems ?? [] },
  };
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "connected": {
      const sync = index(action.sessions.map(normalizeSync));
      const forwards = index(action.forwards);
      return {
        ...state,
        version: action.version,
        sync,
        syncOrder: byCreation(sync),
        forwards,
        forwardOrder: byCreation(forwards),
        gone: {},
      };
    }
    case "syncState": {
      const next = upsert(state.sync, state.syncOrder, state.gone, normalizeSync(action.session));
      return next ? { ...state, sync: next.items, syncOrder: next.order, gone: next.gone } : state;
    }
    case "forwardState": {
      const next = upsert(state.forwards, state.forwardOrder, state.gone, action.session);
      return next ? { ...state, forwards: next.items, forwardOrder: next.order, gone: next.gone } : state;
    }
    case "backend":
      return { ...state, backend: action.status };
  }
}

export type Listener = (state: State, action: Action) => void;

export class Store {
  private current: State;
  private listeners = new Set<Listener>();

  constructor(state: State = initialState) {
    this.current = state;
  }

  get state(): State {
    return this.current;
  }

  dispatch(action: Action): void {
    const next = reduce(this.current, action);
    if (next === this.current) {
      return; // a stale state, dropped
    }
    this.current = next;
    for (const l of [...this.listeners]) {
      l(this.current, action);
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  syncSessions(): SyncSession[] {
    return this.current.syncOrder.map((id) => this.current.sync[id]);
  }

  forwardSessions(): ForwardSession[] {
    return this.current.forwardOrder.map((id) => this.current.forwards[id]);
  }
}
