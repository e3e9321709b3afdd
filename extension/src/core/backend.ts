/**
 * The connection to `ferry --stdio`: it spawns the child, speaks JSON-RPC over its
 * stdio (vscode-jsonrpc), initializes, routes notifications and prompt requests to
 * handlers, and restarts the child after a crash under the RestartPolicy. No vscode
 * import: the editor adapter supplies handlers.
 *
 * Invariants: at most one child runs at a time; a child that is being replaced or
 * stopped on purpose never counts as a crash; every status change is reported once
 * through onStatus, in order.
 */
import { spawn } from "child_process";
import * as rpc from "vscode-jsonrpc/node";
import {
  Code,
  ClientRequests,
  ForwardSession,
  HostKeyAnswer,
  HostKeyPrompt,
  InitializeParams,
  InitializeResult,
  LogMessage,
  Method,
  Notify,
  Request,
  SecretAnswer,
  SecretPrompt,
  SyncSession,
} from "../protocol.gen";
import { RestartPolicy } from "./restart";

/** A running child: its message streams and process controls. */
export interface Transport {
  reader: rpc.MessageReader;
  writer: rpc.MessageWriter;
  /** The child's pid, when it is a process. */
  pid?: number;
  /** Ends the child. */
  kill(): void;
  /** Called once when the child has gone, with a sentence saying how. */
  onExit(listener: (reason: string) => void): void;
  /** Lines the child writes on stderr (its logs). */
  onStderr(listener: (line: string) => void): void;
}

/** Starts a child; throws when it cannot be started. */
export type TransportFactory = () => Transport;

/** Spawns `command --stdio` with env. */
export function processTransport(command: string, env: NodeJS.ProcessEnv): TransportFactory {
  return () => {
    const child = spawn(command, ["--stdio"], { env, stdio: ["pipe", "pipe", "pipe"] });
    const exitListeners: ((reason: string) => void)[] = [];
    const stderrListeners: ((line: string) => void)[] = [];
    let tail = "";
    let exited = false;
    const exit = (reason: string) => {
      if (exited) {
        return;
      }
      exited = true;
      const last = tail.trim().split("\n").slice(-3).join(" ").trim();
      exitListeners.forEach((l) => l(last ? `${reason}: ${last}` : reason));
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      exit(
        err.code === "ENOENT"
          ? `cannot run ${command}: not found (set ferry.path to the ferry binary)`
          : `cannot run ${command}: ${err.message}`,
      );
    });
    child.on("exit", (code, signal) => {
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

/** Where the backend is. */
export type BackendStatus =
  | { state: "starting" }
  | { state: "running"; version: string }
  | { state: "restarting"; reason: string; crashes: number; delayMs: number }
  | { state: "stopped"; reason: string; crashes?: number };

/** What the editor does with what the daemon says. */
export interface BackendHandlers {
  /** The connection is initialized: the full state of every session. */
  connected(init: InitializeResult, forwards: ForwardSession[]): void;
  syncState(session: SyncSession): void;
  forwardState(session: ForwardSession): void;
  log(message: LogMessage): void;
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
  private current: BackendStatus = { state: "stopped", reason: "not started" };
  private ready?: Promise<void>;
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
    this.setStatus({ state: "stopped", reason });
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
        return "the ferry backend is still starting; try again in a moment";
      case "restarting":
        return "the ferry backend is restarting; try again in a moment";
      case "stopped":
        return `the ferry backend is not running (${this.current.reason}); run "Ferry: Restart Backend"`;
    }
    return "the ferry backend is not running";
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
      this.crashed(generation, `cannot start ferry --stdio: ${(e as Error).message}`);
      return Promise.resolve();
    }
    this.transport = transport;
    const conn = rpc.createMessageConnection(transport.reader, transport.writer);
    this.connection = conn;
    const h = this.options.handlers;
    transport.onStderr((line) => h.diagnostic("info", `ferry --stdio: ${line}`));
    transport.onExit((reason) => this.crashed(generation, reason));
    conn.onNotification(Notify.SyncState, (s: SyncSession) => h.syncState(s));
    conn.onNotification(Notify.ForwardState, (s: ForwardSession) => h.forwardState(s));
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
      this.setStatus({ state: "running", version: init.version });
      this.options.handlers.diagnostic("info", `connected to the ferry daemon ${init.version} (pid of ferry --stdio: ${this.pid})`);
    } catch (e) {
      if (generation !== this.generation) {
        return;
      }
      const err = toFerryError(e, Method.Initialize);
      this.options.handlers.diagnostic("error", `initialize failed: ${err.message}`);
      this.transport?.kill();
      this.crashed(generation, `initialize failed: ${err.message}`);
    }
  }

  /** Waits until the current start attempt has finished (connected or failed). */
  whenReady(): Promise<void> {
    return this.ready ?? Promise.resolve();
  }

  private crashed(generation: number, reason: string): void {
    if (generation !== this.generation) {
      return; // a child replaced or stopped on purpose
    }
    this.generation++;
    this.teardown();
    const decision = this.policy.crashed(this.now());
    this.options.handlers.diagnostic("error", reason);
    if (!decision.restart) {
      this.setStatus({
        state: "stopped",
        reason: `${reason} (${decision.crashes} crashes within ${Math.round(this.policy.options.windowMs / 60000)} minutes)`,
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
