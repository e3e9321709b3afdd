/**
 * The connection to `ferry --stdio`: it spawns the child, speaks JSON-RPC over its
 * stdio (vscode-jsonrpc), initializes, routes notifications and prompt requests to
 * handlers, and restarts the child after a crash under the RestartPolicy. No vscode
 * import: the editor adapter supplies handlers.
 *
 * Invariants: at most one child runs at a time; a child that is being replaced or
 * stopped on purpose never counts as a crash; every status change is reported once
 * through onStatus, in order. Not every end is a crash, and only crashes are retried:
 * - a binary that is missing stops at once (cause "missing"): retrying cannot help;
 * - a daemon that said daemon/stopping before it went stopped on purpose: a person
 *   ran `ferry daemon stop` (or signalled it), so the stop is honoured (cause
 *   "daemonStopped") until start(); a daemon stopping for an upgrade is reconnected
 *   to at once, without counting a crash;
 * - a daemon that refuses this client's protocol version (cause "incompatible");
 * - anything else is a crash, restarted with backoff until the policy gives up
 *   (cause "crashes").
 * State notifications that arrive while the connection initializes are held back
 * and delivered after the initial state, so a client never renders an older state
 * over a newer one.
 */
import { spawn } from "child_process";
import * as rpc from "vscode-jsonrpc/node";
import {
  Code,
  ClientRequests,
  DaemonStopping,
  ForwardSession,
  HostKeyAnswer,
  HostKeyPrompt,
  InitializeParams,
  InitializeResult,
  LogMessage,
  Method,
  Notify,
  Request,
  Stop,
  SecretAnswer,
  SecretPrompt,
  SyncSession,
} from "../protocol.gen";
import { RestartPolicy } from "./restart";

/** How a child ended. */
export interface ExitInfo {
  /** A sentence saying how (with the last lines the child wrote on stderr). */
  reason: string;
  /** The binary could not be found or run: retrying will not help. */
  missing?: boolean;
}

/** Thrown by a TransportFactory when there is no binary to start. */
export class MissingBinary extends Error {}

/** A running child: its message streams and process controls. */
export interface Transport {
  reader: rpc.MessageReader;
  writer: rpc.MessageWriter;
  /** The child's pid, when it is a process. */
  pid?: number;
  /** Ends the child. */
  kill(): void;
  /** Called once when the child has gone (after everything it wrote was read). */
  onExit(listener: (info: ExitInfo) => void): void;
  /** Lines the child writes on stderr (its logs). */
  onStderr(listener: (line: string) => void): void;
}

/** Starts a child; throws (MissingBinary when there is none) when it cannot be started. */
export type TransportFactory = () => Transport;

/** Spawns `command --stdio` with env. */
export function processTransport(command: string, env: NodeJS.ProcessEnv): TransportFactory {
  return () => {
    const child = spawn(command, ["--stdio"], { env, stdio: ["pipe", "pipe", "pipe"] });
    const exitListeners: ((info: ExitInfo) => void)[] = [];
    const stderrListeners: ((line: string) => void)[] = [];
    let tail = "";
    let exited = false;
    const exit = (reason: string, missing = false) => {
      if (exited) {
        return;
      }
      exited = true;
      const last = tail.trim().split("\n").slice(-3).join(" ").trim();
      exitListeners.forEach((l) => l({ reason: last ? `${reason}: ${last}` : reason, missing }));
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      const missing = err.code === "ENOENT" || err.code === "EACCES";
      exit(missing ? `cannot run ${command}: ${err.code === "ENOENT" ? "not found" : "not executable"}` : `cannot run ${command}: ${err.message}`, missing);
    });
    // "close" comes after the child's stdout has been read to its end, so a last
    // notification (daemon/stopping) is seen before the end is judged.
    child.on("close", (code, signal) => {
      exit(signal ? `ferry --stdio was killed by ${signal}` : `ferry --stdio exited with status ${code}`);
    });
    let partial = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        if (l.trim() !== "") {
          stderrListeners.forEach((s) => s(l));
        }
      }
    });
    // A write to a child that died fails with EPIPE; the exit handler reports it.
    child.stdin.on("error", () => undefined);
    return {
      reader: new rpc.StreamMessageReader(child.stdout),
      writer: new rpc.StreamMessageWriter(child.stdin),
      pid: child.pid,
      kill: () => {
        child.stdin.end();
        child.kill();
      },
      onExit: (l) => exitListeners.push(l),
      onStderr: (l) => stderrListeners.push(l),
    };
  };
}

/**
 * Why the backend is stopped: the binary is missing; it crashed too often; the daemon
 * was stopped on purpose; the daemon speaks another protocol version; or this client
 * stopped it (deactivation, or not started yet).
 */
export type StopCause = "missing" | "crashes" | "daemonStopped" | "incompatible" | "client";

/** Where the backend is. */
export type BackendStatus =
  | { state: "starting" }
  | { state: "running"; version: string }
  | { state: "restarting"; reason: string; crashes: number; delayMs: number }
  | { state: "stopped"; reason: string; cause: StopCause; crashes?: number };

/** What the editor does with what the daemon says. */
export interface BackendHandlers {
  /** The connection is initialized: the full state of every session. */
  connected(init: InitializeResult, forwards: ForwardSession[]): void;
  syncState(session: SyncSession): void;
  forwardState(session: ForwardSession): void;
  log(message: LogMessage): void;
  /** The daemon said it is about to stop on purpose. */
  stopping?(notice: DaemonStopping): void;
  /** The child's own stderr lines and the backend's lifecycle, for the log. */
  diagnostic(level: "info" | "warn" | "error", message: string): void;
  hostKey(prompt: HostKeyPrompt): Promise<HostKeyAnswer>;
  secret(prompt: SecretPrompt): Promise<SecretAnswer>;
  status(status: BackendStatus): void;
}

export interface BackendOptions {
  transport: TransportFactory;
  /** The initialize params, read at each (re)start so settings changes apply. */
  initialize: () => InitializeParams;
  handlers: BackendHandlers;
  policy?: RestartPolicy;
  now?: () => number;
}

type Params<M extends keyof ClientRequests> = ClientRequests[M]["params"];
type Result<M extends keyof ClientRequests> = ClientRequests[M]["result"];
type ParamArgs<M extends keyof ClientRequests> = Params<M> extends null ? [] : [Params<M>];

/** An error answered by the daemon, with its stable code. */
export class FerryError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly method: string,
  ) {
    super(message);
  }

  /** The daemon does not implement the method (an older daemon). */
  get methodNotFound(): boolean {
    return this.code === Code.MethodNotFound;
  }
}

export class Backend {
  private transport?: Transport;
  private connection?: rpc.MessageConnection;
  private generation = 0;
  private restartTimer?: NodeJS.Timeout;
  private current: BackendStatus = { state: "stopped", reason: "not started", cause: "client" };
  private ready?: Promise<void>;
  /** Notifications held back while the current connection initializes. */
  private held?: (() => void)[];
  readonly policy: RestartPolicy;
  private readonly now: () => number;

  constructor(private readonly options: BackendOptions) {
    this.policy = options.policy ?? new RestartPolicy();
    this.now = options.now ?? Date.now;
  }

  get status(): BackendStatus {
    return this.current;
  }

  /** The pid of the running child, if any. */
  get pid(): number | undefined {
    return this.transport?.pid;
  }

  /** Starts the backend (or restarts it, forgetting past crashes). */
  start(): Promise<void> {
    this.policy.reset();
    return this.launch();
  }

  /** Stops the backend for good (until start). Sessions go on in the daemon. */
  stop(reason = "stopped"): void {
    this.generation++;
    clearTimeout(this.restartTimer);
    this.teardown();
    this.setStatus({ state: "stopped", reason, cause: "client" });
  }

  /** Sends a request and returns its result; fails when the backend is not running. */
  async request<M extends keyof ClientRequests>(method: M, ...params: ParamArgs<M>): Promise<Result<M>> {
    const conn = this.connection;
    if (!conn || this.current.state !== "running") {
      throw new FerryError(Code.Failed, this.notRunningMessage(), method);
    }
    try {
      return (await (params.length ? conn.sendRequest(method, params[0]) : conn.sendRequest(method))) as Result<M>;
    } catch (e) {
      throw toFerryError(e, method);
    }
  }

  private notRunningMessage(): string {
    switch (this.current.state) {
      case "starting":
        return "ferry is still starting; try again in a moment";
      case "restarting":
        return "ferry is reconnecting to its daemon; try again in a moment";
      case "stopped":
        return this.current.cause === "daemonStopped"
          ? `ferry is stopped (${this.current.reason}); run "Ferry: Start" to start it again`
          : `ferry is not running (${this.current.reason}); run "Ferry: Restart"`;
    }
    return "ferry is not running";
  }

  private launch(): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.restartTimer);
    this.teardown();
    this.setStatus({ state: "starting" });
    let transport: Transport;
    try {
      transport = this.options.transport();
    } catch (e) {
      if (e instanceof MissingBinary) {
        this.options.handlers.diagnostic("error", e.message);
        this.generation++;
        this.setStatus({ state: "stopped", reason: e.message, cause: "missing" });
      } else {
        this.crashed(generation, { reason: `cannot start ferry --stdio: ${(e as Error).message}` });
      }
      return Promise.resolve();
    }
    this.transport = transport;
    // The daemon's daemon/stopping is noted as the reader parses it, before the
    // connection queues it, so that it is known when the child's end is judged.
    let stopping: DaemonStopping | undefined;
    const reader = tapReader(transport.reader, (msg) => {
      if ((msg as { method?: string }).method === Notify.DaemonStopping) {
        stopping = ((msg as { params?: DaemonStopping }).params ?? { reason: Stop.Requested });
      }
    });
    const conn = rpc.createMessageConnection(reader, transport.writer);
    this.connection = conn;
    const h = this.options.handlers;
    // Until the initial state is handed over, notifications wait here.
    this.held = [];
    const deliver = (fn: () => void): void => {
      if (this.held && generation === this.generation) {
        this.held.push(fn);
      } else {
        fn();
      }
    };
    transport.onStderr((line) => h.diagnostic("info", `ferry --stdio: ${line}`));
    transport.onExit((info) => this.ended(generation, info, stopping));
    conn.onNotification(Notify.SyncState, (s: SyncSession) => deliver(() => h.syncState(s)));
    conn.onNotification(Notify.ForwardState, (s: ForwardSession) => deliver(() => h.forwardState(s)));
    conn.onNotification(Notify.DaemonStopping, (n: DaemonStopping) => h.stopping?.(n ?? { reason: Stop.Requested }));
    conn.onNotification(Notify.Log, (m: LogMessage) => h.log(m));
    conn.onRequest(Request.HostKey, (p: HostKeyPrompt) => h.hostKey(p));
    conn.onRequest(Request.Secret, (p: SecretPrompt) => h.secret(p));
    conn.onError(([err]) => h.diagnostic("warn", `connection to ferry --stdio: ${err.message}`));
    conn.listen();
    const ready = this.handshake(generation, conn);
    this.ready = ready;
    return ready;
  }

  private async handshake(generation: number, conn: rpc.MessageConnection): Promise<void> {
    try {
      const init = (await conn.sendRequest(Method.Initialize, this.options.initialize())) as InitializeResult;
      let forwards: ForwardSession[] = [];
      try {
        forwards = ((await conn.sendRequest(Method.ForwardList, {})) as { sessions: ForwardSession[] }).sessions ?? [];
      } catch (e) {
        const err = toFerryError(e, Method.ForwardList);
        if (!err.methodNotFound) {
          throw err;
        }
        this.options.handlers.diagnostic("warn", `this daemon has no forward sessions: ${err.message}`);
      }
      if (generation !== this.generation) {
        return;
      }
      this.options.handlers.connected({ ...init, sessions: init.sessions ?? [] }, forwards);
      const held = this.held ?? [];
      this.held = undefined;
      held.forEach((fn) => fn());
      this.setStatus({ state: "running", version: init.version });
      this.options.handlers.diagnostic("info", `connected to the ferry daemon ${init.version} (pid of ferry --stdio: ${this.pid})`);
    } catch (e) {
      if (generation !== this.generation) {
        return;
      }
      const err = toFerryError(e, Method.Initialize);
      this.options.handlers.diagnostic("error", `initialize failed: ${err.message}`);
      if (err.code === Code.VersionMismatch) {
        this.generation++;
        this.teardown();
        this.setStatus({ state: "stopped", reason: err.message, cause: "incompatible" });
        return;
      }
      this.transport?.kill();
      this.crashed(generation, { reason: `initialize failed: ${err.message}` });
    }
  }

  /** Waits until the current start attempt has finished (connected or failed). */
  whenReady(): Promise<void> {
    return this.ready ?? Promise.resolve();
  }

  /** The child of generation ended: judges how, and restarts it or not. */
  private ended(generation: number, info: ExitInfo, stopping: DaemonStopping | undefined): void {
    if (generation !== this.generation) {
      return; // a child replaced or stopped on purpose
    }
    if (info.missing) {
      this.generation++;
      this.teardown();
      this.options.handlers.diagnostic("error", info.reason);
      this.setStatus({ state: "stopped", reason: info.reason, cause: "missing" });
      return;
    }
    if (stopping?.reason === Stop.Upgrade) {
      this.options.handlers.diagnostic("info", "the ferry daemon restarts for another version of ferry; reconnecting");
      void this.launch();
      return;
    }
    if (stopping) {
      this.generation++;
      this.teardown();
      const by = stopping.client ? ` by ${stopping.client}` : "";
      const reason =
        stopping.reason === Stop.Signal ? "the ferry daemon was stopped by a signal" : `the ferry daemon was stopped${by} (ferry daemon stop)`;
      this.options.handlers.diagnostic("info", `${reason}; not restarting it`);
      this.setStatus({ state: "stopped", reason, cause: "daemonStopped" });
      return;
    }
    this.crashed(generation, info);
  }

  private crashed(generation: number, info: ExitInfo): void {
    if (generation !== this.generation) {
      return; // a child replaced or stopped on purpose
    }
    const reason = info.reason;
    this.generation++;
    this.teardown();
    const decision = this.policy.crashed(this.now());
    this.options.handlers.diagnostic("error", reason);
    if (!decision.restart) {
      this.setStatus({
        state: "stopped",
        reason: `${reason} (${decision.crashes} crashes within ${Math.round(this.policy.options.windowMs / 60000)} minutes)`,
        cause: "crashes",
        crashes: decision.crashes,
      });
      return;
    }
    this.setStatus({ state: "restarting", reason, crashes: decision.crashes, delayMs: decision.delayMs });
    const next = this.generation;
    this.restartTimer = setTimeout(() => {
      if (next === this.generation) {
        void this.launch();
      }
    }, decision.delayMs);
  }

  private teardown(): void {
    this.held = undefined;
    const conn = this.connection;
    const transport = this.transport;
    this.connection = undefined;
    this.transport = undefined;
    conn?.dispose();
    transport?.kill();
  }

  private setStatus(status: BackendStatus): void {
    this.current = status;
    this.options.handlers.status(status);
  }
}

/** Converts what vscode-jsonrpc rejects with into a FerryError. */
export function toFerryError(e: unknown, method: string): FerryError {
  if (e instanceof FerryError) {
    return e;
  }
  if (e instanceof rpc.ResponseError) {
    return new FerryError(e.code, e.message, method);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new FerryError(Code.Failed, `${method}: ${msg}`, method);
}

/** A reader that shows every message to tap before the connection gets it. */
function tapReader(inner: rpc.MessageReader, tap: (msg: rpc.Message) => void): rpc.MessageReader {
  return {
    onError: inner.onError,
    onClose: inner.onClose,
    onPartialMessage: inner.onPartialMessage,
    listen: (callback) =>
      inner.listen((msg) => {
        tap(msg);
        callback(msg);
      }),
    dispose: () => inner.dispose(),
  };
}
