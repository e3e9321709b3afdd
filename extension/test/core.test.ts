// Unit tests of core/: no vscode, no daemon.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "node:test";
import { PassThrough } from "stream";
import * as rpc from "vscode-jsonrpc/node";
import { ForwardSession, SyncSession } from "../src/protocol.gen";
import { Backend, BackendStatus, ExitInfo, Transport } from "../src/core/backend";
import { browserURL, hostOf, isRemoteURL, sessionName } from "../src/core/endpoints";
import { hostName } from "../src/core/names";
import { RestartPolicy } from "../src/core/restart";
import { readSSHHosts } from "../src/core/ssh";
import { statusView } from "../src/core/status";
import { initialState, reduce, State } from "../src/core/store";
import { children, item, syncRoots } from "../src/core/tree";

function session(over: Partial<SyncSession> = {}): SyncSession {
  const side = (url: string) => ({
    url, status: "connected", connected: true, scanned: true, directories: 1, files: 3, symlinks: 0, totalFileSize: 300,
    problems: [], problemCount: 0,
  });
  return {
    seq: 1, id: "sync_a", name: "web", alpha: side("/a"), beta: side("/b"), config: { mode: "two-way-safe" }, paused: false,
    createdAt: "2026-11-26T10:00:00Z", status: "watching", conflicts: [], conflictCount: 0, cycles: 1, ...over,
  };
}

function forward(over: Partial<ForwardSession> = {}): ForwardSession {
  return {
    seq: 1, id: "fwrd_a", source: "tcp:localhost:8080", destination: "devbox:tcp:localhost:8080", sourceConnected: true,
    destinationConnected: true, paused: false, createdAt: "2026-11-26T10:00:00Z", status: "forwarding",
    openConnections: 0, totalConnections: 2, failedConnections: 0, bytesOut: 10, bytesIn: 2048, ...over,
  };
}

const running: BackendStatus = { state: "running", version: "v1" };
function stateWith(sessions: SyncSession[], forwards: ForwardSession[] = []): State {
  let s = reduce(initialState, { type: "backend", status: running });
  return reduce(s, { type: "connected", version: "v1", sessions, forwards });
}

test("restart policy: restarts with growing delays, stops at the 5th crash in 3 minutes", () => {
  const p = new RestartPolicy();
  const t0 = 1_000_000;
  const delays = [0, 1, 2, 3].map((i) => p.crashed(t0 + i * 1000));
  assert.deepEqual(delays.map((d) => d.restart), [true, true, true, true]);
  assert.deepEqual(delays.map((d) => (d.restart ? d.delayMs : -1)), [250, 500, 1000, 2000]);
  assert.deepEqual(p.crashed(t0 + 5000), { restart: false, crashes: 5 });
});

test("restart policy: crashes older than the window are forgotten; reset forgets all", () => {
  const p = new RestartPolicy();
  for (let i = 0; i < 4; i++) p.crashed(i);
  assert.equal(p.crashed(3 * 60 * 1000 + 10).restart, true, "the four old crashes fell out of the window");
  for (let i = 0; i < 3; i++) p.crashed(3 * 60 * 1000 + 20 + i);
  assert.equal(p.crashed(3 * 60 * 1000 + 30).restart, false);
  p.reset();
  assert.equal(p.crashed(3 * 60 * 1000 + 40).restart, true);
});

test("reducer: initialize list, updates, creation order, termination, null slices", () => {
  const a = session({ id: "sync_a", createdAt: "2026-11-26T10:00:00Z" });
  const b = session({ id: "sync_b", name: "api", createdAt: "2026-11-26T09:00:00Z" });
  let s = stateWith([a, b]);
  assert.deepEqual(s.syncOrder, ["sync_b", "sync_a"]);
  s = reduce(s, { type: "syncState", session: { ...a, status: "scanning" } });
  assert.equal(s.sync.sync_a.status, "scanning");
  const c = { ...session({ id: "sync_c", createdAt: "2026-11-26T11:00:00Z" }), conflicts: null as never };
  s = reduce(s, { type: "syncState", session: c });
  assert.deepEqual(s.syncOrder, ["sync_b", "sync_a", "sync_c"]);
  assert.deepEqual(s.sync.sync_c.conflicts, [], "null from Go becomes []");
  s = reduce(s, { type: "syncState", session: { ...a, terminated: true } });
  assert.deepEqual(s.syncOrder, ["sync_b", "sync_c"]);
  assert.equal(s.sync.sync_a, undefined);
  s = reduce(s, { type: "forwardState", session: forward() });
  assert.deepEqual(s.forwardOrder, ["fwrd_a"]);
  s = reduce(s, { type: "forwardState", session: forward({ terminated: true }) });
  assert.deepEqual(s.forwardOrder, []);
});

test("status text: every state of the summary, red only where a person must act", () => {
  const down = (over: Partial<SyncSession> = {}) =>
    session({ status: "disconnected", lastError: "dial devbox: connection refused", beta: { ...session().beta, url: "devbox:~/b", status: "disconnected", connected: false }, ...over });
  const cases: [string, State, string, string][] = [
    ["starting", reduce(initialState, { type: "backend", status: { state: "starting" } }), "$(loading~spin) Ferry starting", "normal"],
    ["the daemon connection lost", reduce(initialState, { type: "backend", status: { state: "restarting", reason: "x", crashes: 1, delayMs: 250 } }), "$(loading~spin) Ferry reconnecting", "warning"],
    ["gave up after crashes", reduce(initialState, { type: "backend", status: { state: "stopped", reason: "x", cause: "crashes", crashes: 5 } }), "$(error) Ferry stopped", "error"],
    ["no binary", reduce(initialState, { type: "backend", status: { state: "stopped", reason: "not found", cause: "missing" } }), "$(error) Ferry not found", "error"],
    ["ferry daemon stop", reduce(initialState, { type: "backend", status: { state: "stopped", reason: "stopped", cause: "daemonStopped" } }), "$(debug-stop) Ferry stopped", "normal"],
    ["no sessions", stateWith([]), "$(circle-outline) Ferry idle", "normal"],
    ["watching", stateWith([session()]), "$(eye) Ferry watching", "normal"],
    ["scanning", stateWith([session({ status: "scanning" })]), "$(sync~spin) Ferry syncing", "normal"],
    [
      "staging 42%",
      stateWith([session({ status: "staging-beta", staging: { side: "beta", filesDone: 1, filesTotal: 4, bytesDone: 420, bytesTotal: 1000, rate: 1 } })]),
      "$(sync~spin) Ferry 42%",
      "normal",
    ],
    [
      "staging sums sessions",
      stateWith([
        session({ id: "sync_a", status: "staging-beta", staging: { side: "beta", filesDone: 0, filesTotal: 1, bytesDone: 0, bytesTotal: 300, rate: 0 } }),
        session({ id: "sync_b", status: "staging-alpha", staging: { side: "alpha", filesDone: 0, filesTotal: 1, bytesDone: 100, bytesTotal: 100, rate: 0 } }),
      ]),
      "$(sync~spin) Ferry 25%",
      "normal",
    ],
    ["conflicts", stateWith([session({ conflictCount: 2 })]), "$(warning) Ferry 2 conflicts", "warning"],
    ["a halt wins over conflicts", stateWith([session({ conflictCount: 2 }), session({ id: "sync_b", status: "halted-root-emptied", lastError: "emptied" })]), "$(error) Ferry 1 session halted", "error"],
    ["too many entries is a halt", stateWith([session({ status: "halted-too-many-entries" })]), "$(error) Ferry 1 session halted", "error"],
    ["host down: reconnecting, a warning", stateWith([down()]), "$(debug-disconnect) Ferry reconnecting to devbox", "warning"],
    ["an old daemon's host down (no endpoint status)", stateWith([down({ beta: { ...session().beta, url: "devbox:~/b", status: undefined as never, connected: false } })]), "$(debug-disconnect) Ferry reconnecting to devbox", "warning"],
    ["a new session connecting", stateWith([session({ status: "connecting-beta", cycles: 0, alpha: { ...session().alpha, scanned: false }, beta: { ...session().beta, status: "connecting", connected: false, scanned: false } })]), "$(loading~spin) Ferry connecting", "normal"],
    ["paused: neutral", stateWith([session({ paused: true, status: "paused", alpha: { ...session().alpha, status: "paused", connected: false }, beta: { ...session().beta, status: "paused", connected: false } })]), "$(debug-pause) Ferry paused", "normal"],
    ["paused by an old daemon (sides disconnected)", stateWith([session({ paused: true, status: "paused", alpha: { ...session().alpha, status: undefined as never, connected: false } })]), "$(debug-pause) Ferry paused", "normal"],
    ["a retried error: a warning", stateWith([session({ lastError: "scan failed: permission denied" })]), "$(warning) Ferry 1 problem", "warning"],
    ["forwards only", stateWith([], [forward()]), "$(plug) Ferry forwarding 1", "normal"],
    ["forward error", stateWith([session()], [forward({ lastError: "cannot bind" })]), "$(error) Ferry 1 error", "error"],
  ];
  for (const [name, state, text, tone] of cases) {
    const v = statusView(state);
    assert.equal(v.text, text, name);
    assert.equal(v.tone, tone, name);
  }
  assert.equal(statusView(cases[4][1]).command, "ferry.start", "a deliberate stop is started again from the status bar");
  assert.equal(statusView(cases[3][1]).command, "ferry.locate");
});

test("tree model: session, endpoints, conflicts, problems, context values", () => {
  const conflict = {
    path: "src/a.txt",
    ancestor: { kind: "file", size: 1 },
    alpha: { kind: "file", size: 2 },
    beta: { kind: "file", size: 3 },
  };
  const s = session({
    conflicts: [conflict],
    conflictCount: 3,
    lastError: "scan failed",
    beta: { ...session().beta, problems: [{ path: "x", error: "permission denied" }], problemCount: 1 },
  });
  const state = stateWith([s]);
  const [root] = syncRoots(state);
  const rootItem = item(state, root)!;
  assert.equal(rootItem.label, "/a ⇄ /b");
  assert.equal(rootItem.contextValue, "sync-session running has-conflicts");
  const kids = children(state, root);
  assert.deepEqual(kids.map((k) => k.kind), ["error", "endpoint", "endpoint", "conflict", "moreConflicts"]);
  assert.equal(item(state, kids[3])!.contextValue, "conflict local-local");
  assert.equal(item(state, kids[3])!.command?.id, "ferry.showConflict");
  assert.equal(item(state, kids[4])!.label, "2 more conflicts");
  const beta = kids[2];
  assert.equal(item(state, beta)!.collapsible, "collapsed");
  assert.deepEqual(children(state, beta).map((n) => item(state, n)!.description), ["permission denied"]);
  const paused = stateWith([session({ paused: true, status: "paused" })]);
  assert.equal(item(paused, syncRoots(paused)[0])!.contextValue, "sync-session paused");
  const fstate = stateWith([], [forward()]);
  assert.equal(item(fstate, { kind: "forward", id: "fwrd_a" })!.contextValue, "forward-session running browsable");
  assert.equal(item(fstate, { kind: "sync", id: "gone" }), undefined);
});

test("endpoints: URLs, hosts, browser addresses, names", () => {
  assert.equal(isRemoteURL("/srv/x"), false);
  assert.equal(isRemoteURL("~/x"), false);
  assert.equal(isRemoteURL("devbox:~/x"), true);
  assert.equal(isRemoteURL("me@devbox:2222:/x"), true);
  assert.equal(isRemoteURL("./a:b"), false);
  assert.equal(hostOf("me@devbox:/x"), "me@devbox");
  assert.equal(hostOf("[::1]:/x"), "[::1]");
  assert.equal(isRemoteURL("docker://web/srv/app"), true);
  assert.equal(hostOf("docker://me@web/~/app"), "docker://me@web", "a container, as a forward's side is prefixed");
  assert.equal(hostOf("podman://db/var/lib"), "podman://db");
  assert.equal(hostName("docker://me@web/~/app"), "web");
  assert.equal(hostName("me@devbox:2222:/x"), "devbox");
  assert.equal(browserURL("tcp:localhost:8080"), "http://localhost:8080");
  assert.equal(browserURL("tcp4:0.0.0.0:3000"), "http://localhost:3000");
  assert.equal(browserURL("devbox:tcp:localhost:8080"), undefined);
  assert.equal(browserURL("unix:/tmp/s"), undefined);
  assert.equal(sessionName("my project"), "my-project");
  assert.equal(sessionName("2024"), "s-2024");
  assert.equal(sessionName("..."), "s");
});

test("ssh config: Host aliases with Include, patterns left out, $HOME honoured", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-ssh-"));
  fs.mkdirSync(path.join(home, ".ssh", "conf.d"), { recursive: true });
  fs.writeFileSync(
    path.join(home, ".ssh", "config"),
    "# comment\nInclude conf.d/*.conf\nHost devbox build-*\n  HostName 10.0.0.5\n  User me\n  Port 2222\nHost *\n  ServerAliveInterval 30\nHost=gpu \"quoted host\"\nMatch host x\n  User y\n",
  );
  fs.writeFileSync(path.join(home, ".ssh", "conf.d", "a.conf"), "Host included\n  HostName 127.0.0.1\n");
  try {
    const hosts = readSSHHosts(home);
    assert.deepEqual(hosts.map((h) => h.alias), ["included", "devbox", "gpu", "quoted host"]);
    assert.deepEqual(hosts[1], { alias: "devbox", hostName: "10.0.0.5", user: "me", port: "2222" });
    assert.deepEqual(readSSHHosts(path.join(home, "nowhere")), []);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

/** A transport whose other end is an in-memory server. */
function memoryTransport(serve: (conn: rpc.MessageConnection) => void): { factory: () => Transport; kill: () => void } {
  let exit: ((info: ExitInfo) => void) | undefined;
  let serverConn: rpc.MessageConnection | undefined;
  const factory = () => {
    const up = new PassThrough();
    const down = new PassThrough();
    serverConn = rpc.createMessageConnection(new rpc.StreamMessageReader(up), new rpc.StreamMessageWriter(down));
    serve(serverConn);
    serverConn.listen();
    return {
      reader: new rpc.StreamMessageReader(down),
      writer: new rpc.StreamMessageWriter(up),
      kill: () => serverConn?.dispose(),
      onExit: (l: (info: ExitInfo) => void) => (exit = l),
      onStderr: () => undefined,
    };
  };
  return { factory, kill: () => exit?.({ reason: "the fake server died" }) };
}

test("backend over an in-memory server: typed requests, notifications, prompts, restart", async () => {
  const statuses: string[] = [];
  const synced: string[] = [];
  let starts = 0;
  let hostKeyAnswer: unknown;
  const mem = memoryTransport((conn) => {
    starts++;
    conn.onRequest("initialize", (p: { prompts: boolean }) => {
      assert.equal(p.prompts, true);
      return { version: "mem", protocolVersion: 1, sessions: [session()] };
    });
    conn.onRequest("forward/list", () => {
      throw new rpc.ResponseError(-32601, "unknown method");
    });
    conn.onRequest("daemon/version", () => {
      setImmediate(async () => {
        await conn.sendNotification("sync/state", session({ status: "scanning" }));
        hostKeyAnswer = await conn.sendRequest("prompt/hostKey", { host: "h", address: "a", keyType: "k", fingerprint: "f", message: "m" });
        resolveAnswered();
      });
      return { version: "mem", protocolVersion: 1, goVersion: "go", os: "linux", arch: "amd64" };
    });
    conn.onRequest("sync/pause", () => {
      throw new rpc.ResponseError(-32010, "no session matches x");
    });
  });
  let resolveAnswered: () => void;
  const answered = new Promise<void>((r) => (resolveAnswered = r));
  const backend = new Backend({
    transport: mem.factory,
    initialize: () => ({ clientName: "t", protocolVersion: 1, prompts: true }),
    handlers: {
      connected: (init, forwards) => synced.push(`connected ${init.sessions.length} ${forwards.length}`),
      syncState: (s) => synced.push(s.status),
      forwardState: () => undefined,
      log: () => undefined,
      diagnostic: () => undefined,
      hostKey: async (p) => ({ accept: p.fingerprint === "f" }),
      secret: async () => ({ value: "" }),
      status: (s) => statuses.push(s.state),
    },
  });
  await backend.start();
  assert.equal(backend.status.state, "running");
  const v = await backend.request("daemon/version");
  assert.equal(v.os, "linux");
  await answered;
  assert.deepEqual(hostKeyAnswer, { accept: true });
  await assert.rejects(backend.request("sync/pause", { sessions: ["x"] }), (e: Error & { code: number }) => e.code === -32010 && /no session/.test(e.message));
  assert.deepEqual(synced.slice(0, 2), ["connected 1 0", "scanning"]);
  // A crash restarts it (after the policy's first delay).
  mem.kill();
  assert.equal(backend.status.state, "restarting");
  await assert.rejects(backend.request("daemon/version"), /reconnecting/);
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (backend.status.state === "running") {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
  assert.equal(starts, 2);
  backend.stop();
  assert.deepEqual(statuses, ["starting", "running", "restarting", "starting", "running", "stopped"]);
});
