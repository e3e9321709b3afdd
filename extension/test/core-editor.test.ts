// Unit tests of the core pieces behind issue 12: finding the binary, state order (seq),
// calm phases and their debounce, names by place, the tree's project groups and menus'
// context values, and the backend's stop causes (missing binary, deliberate stop,
// upgrade, protocol mismatch). No vscode, no daemon.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PassThrough } from "stream";
import * as rpc from "vscode-jsonrpc/node";
import { ForwardSession, SyncSession } from "../src/protocol.gen";
import { Backend, BackendStatus, ExitInfo, MissingBinary, Transport } from "../src/core/backend";
import { Calm } from "../src/core/calm";
import { syncPhase, syncStatusText } from "../src/core/describe";
import { locateFerry } from "../src/core/locate";
import { forwardTitle, possessive, shortAddress, sideName, syncTitle } from "../src/core/names";
import { initialState, reduce, State } from "../src/core/store";
import { children, forwardRoots, item, syncRoots } from "../src/core/tree";

const side = (url: string, over = {}) => ({
  url, status: "connected", connected: true, scanned: true, directories: 1, files: 3, symlinks: 0, totalFileSize: 300,
  problems: [], problemCount: 0, ...over,
});
function session(over: Partial<SyncSession> = {}): SyncSession {
  return {
    seq: 1, id: "sync_a", alpha: side("/home/me/code/proj"), beta: side("devbox:~/proj"), config: { mode: "two-way-safe" }, paused: false,
    createdAt: "2026-11-26T10:00:00Z", status: "watching", conflicts: [], conflictCount: 0, cycles: 3, ...over,
  };
}
function forward(over: Partial<ForwardSession> = {}): ForwardSession {
  return {
    seq: 1, id: "fwrd_a", source: "tcp:localhost:47181", destination: "devbox:tcp:localhost:47180", sourceConnected: true,
    destinationConnected: true, paused: false, createdAt: "2026-11-26T10:00:00Z", status: "forwarding",
    openConnections: 0, totalConnections: 0, failedConnections: 0, bytesOut: 0, bytesIn: 0, ...over,
  };
}
const names = { home: "/home/me", folders: ["/home/me/code/proj"] };
function stateWith(sessions: SyncSession[], forwards: ForwardSession[] = []): State {
  const s = reduce(initialState, { type: "backend", status: { state: "running", version: "v1" } });
  return reduce(s, { type: "connected", version: "v1", sessions, forwards });
}

test("locate: the setting, then the bundled binary, then PATH, then the usual places; a missing one says where it looked", () => {
  const have = (...files: string[]) => (f: string) => files.includes(f);
  const base = { env: { PATH: "/usr/bin:/bin" }, platform: "linux" as const, home: "/home/me", bundled: "/ext/dist/bin/ferry" };
  const cases: [string, Partial<Parameters<typeof locateFerry>[0]>, string | RegExp][] = [
    ["bundled first", { setting: "", isExecutable: have("/ext/dist/bin/ferry", "/bin/ferry") }, "bundled /ext/dist/bin/ferry"],
    ["the old default setting counts as unset", { setting: "ferry", isExecutable: have("/ext/dist/bin/ferry") }, "bundled /ext/dist/bin/ferry"],
    ["the setting wins", { setting: "/opt/ferry/bin/ferry", isExecutable: have("/opt/ferry/bin/ferry", "/ext/dist/bin/ferry") }, "setting /opt/ferry/bin/ferry"],
    ["a ~ setting", { setting: "~/bin/ferry", isExecutable: have("/home/me/bin/ferry") }, "setting /home/me/bin/ferry"],
    ["a command name in the setting is looked up on PATH", { setting: "ferry-dev", isExecutable: have("/bin/ferry-dev") }, "setting /bin/ferry-dev"],
    ["PATH without a bundled binary", { setting: "", bundled: undefined, isExecutable: have("/bin/ferry") }, "path /bin/ferry"],
    ["~/go/bin when the PATH lost it", { setting: "", isExecutable: have("/home/me/go/bin/ferry") }, "usual /home/me/go/bin/ferry"],
    ["Homebrew", { setting: "", isExecutable: have("/opt/homebrew/bin/ferry") }, "usual /opt/homebrew/bin/ferry"],
    ["a set path that is not there is not replaced by another", { setting: "/nope/ferry", isExecutable: have("/ext/dist/bin/ferry") }, /^missing ferry\.path is set to \/nope\/ferry, which is not an executable file$/],
    ["nothing anywhere", { setting: "", isExecutable: have() }, /^missing the ferry program was not found: .*~\/go\/bin, ~\/\.local\/bin.*\/usr\/local\/bin, \/opt\/homebrew\/bin/],
  ];
  for (const [name, over, want] of cases) {
    const r = locateFerry({ ...base, setting: "", isExecutable: () => false, ...over });
    const got = r.found ? `${r.source} ${r.path}` : `missing ${r.reason}`;
    if (typeof want === "string") {
      assert.equal(got, want, name);
    } else {
      assert.match(got, want, name);
    }
  }
  const win = locateFerry({ setting: "", env: { PATH: "C:\\bin" }, platform: "win32", home: "", isExecutable: (f) => f.endsWith("ferry.exe") });
  assert.ok(win.found && win.path.endsWith("ferry.exe"));
});

test("store: the highest seq wins; late states and late states of terminated sessions are dropped; no seq (an old daemon) is accepted", () => {
  let s = stateWith([session({ seq: 5, status: "watching" })]);
  s = reduce(s, { type: "syncState", session: session({ seq: 7, status: "scanning" }) });
  const late = reduce(s, { type: "syncState", session: session({ seq: 6, status: "staging-beta" }) });
  assert.equal(late, s, "an older state is dropped (the same state object: no re-render)");
  assert.equal(late.sync.sync_a.status, "scanning");
  s = reduce(s, { type: "syncState", session: session({ seq: 9, terminated: true }) });
  assert.deepEqual(s.syncOrder, []);
  assert.equal(reduce(s, { type: "syncState", session: session({ seq: 8 }) }), s, "a late state does not bring a terminated session back");
  // A daemon without seq: every state is taken as it comes.
  let old = stateWith([session({ seq: undefined as never })]);
  old = reduce(old, { type: "syncState", session: session({ seq: undefined as never, status: "scanning" }) });
  old = reduce(old, { type: "syncState", session: session({ seq: undefined as never, status: "watching" }) });
  assert.equal(old.sync.sync_a.status, "watching");
  // Forwards too.
  let f = stateWith([], [forward({ seq: 4, totalConnections: 4 })]);
  f = reduce(f, { type: "forwardState", session: forward({ seq: 3, totalConnections: 3 }) });
  assert.equal(f.forwards.fwrd_a.totalConnections, 4);
  // A new connection starts afresh (a new daemon's seq may start at 1 again).
  const fresh = reduce(s, { type: "connected", version: "v2", sessions: [session({ seq: 1 })], forwards: [] });
  assert.deepEqual(fresh.syncOrder, ["sync_a"]);
});

test("phases: a pause is neutral, a lost host reconnects (warning), a halt is red, a new session connects", () => {
  const paused = session({ paused: true, status: "paused", alpha: side("/a", { status: "paused", connected: false }), beta: side("devbox:~/b", { status: "paused", connected: false }) });
  assert.equal(syncPhase(paused), "paused");
  assert.equal(syncStatusText(paused), "paused");
  const lost = session({ status: "disconnected", lastError: "ssh: connection refused", beta: side("devbox:~/proj", { status: "disconnected", connected: false }) });
  assert.equal(syncPhase(lost), "reconnecting");
  assert.equal(syncStatusText(lost), "reconnecting to devbox");
  const retrying = session({ status: "connecting-beta", beta: side("devbox:~/proj", { status: "connecting", connected: false }) });
  assert.equal(syncPhase(retrying), "reconnecting", "a session that was connected reconnects");
  const fresh = session({ status: "connecting-beta", cycles: 0, alpha: side("/a", { scanned: false }), beta: side("devbox:~/proj", { status: "connecting", connected: false, scanned: false }) });
  assert.equal(syncPhase(fresh), "connecting");
  const halted = session({ status: "halted-mass-deletion", lastError: "60 of 100 files deleted on this machine; ferry sync flush --allow-deletions" });
  assert.equal(syncPhase(halted), "halted");
  assert.equal(syncStatusText(halted), "halted: many files deleted");
  assert.equal(syncPhase(session({ status: "staging-beta" })), "syncing");
  assert.equal(syncPhase(session({ conflictCount: 1 })), "conflicts");
});

test("calm: a short drop is not shown; a long one reads reconnecting, never flapping back to connecting; settling shows at once", () => {
  let now = 0;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  let changes = 0;
  const calm = new Calm({
    delayMs: 1500,
    now: () => now,
    schedule: (ms, fn) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    onChange: () => changes++,
  });
  const tick = (ms: number) => {
    now += ms;
    for (const t of timers.filter((x) => !x.cancelled && x.at <= now)) {
      t.cancelled = true;
      t.fn();
    }
  };
  assert.equal(calm.shown("s", "watching"), "watching");
  assert.equal(calm.shown("s", "reconnecting"), "watching", "a drop is not shown at once");
  tick(500);
  assert.equal(calm.shown("s", "connecting"), "watching");
  tick(500);
  assert.equal(calm.shown("s", "watching"), "watching", "back within the delay: never shown");
  assert.equal(changes, 0);
  assert.equal(calm.shown("s", "reconnecting"), "watching");
  tick(1500);
  assert.equal(changes, 1, "the debounce tells the views when it matures");
  assert.equal(calm.shown("s", "connecting"), "reconnecting");
  tick(100);
  assert.equal(calm.shown("s", "connecting"), "reconnecting", "connecting/disconnected flapping reads reconnecting throughout");
  assert.equal(calm.shown("s", "reconnecting"), "reconnecting");
  assert.equal(calm.shown("s", "syncing"), "syncing", "settling shows at once");
  assert.equal(calm.shown("new", "connecting"), "connecting", "a new session shows what it is");
});

test("names: sides by place, titles with ~, forwards by process, no alpha/beta/ids", () => {
  const s = session();
  assert.equal(sideName(s, "alpha", names), "this machine");
  assert.equal(sideName(s, "beta", names), "devbox");
  assert.equal(possessive("this machine"), "this machine's");
  assert.equal(syncTitle(s, names), "proj ⇄ devbox:~/proj");
  assert.equal(syncTitle(session({ config: { mode: "one-way-replica" }, beta: side("me@devbox:2222:/srv/proj") }), names), "proj → devbox:2222:/srv/proj");
  const local = session({ alpha: side("/home/me/notes"), beta: side("/home/me/backup/notes") });
  assert.equal(syncTitle(local, names), "~/notes ⇄ ~/backup/notes");
  assert.equal(sideName(local, "alpha", names), "~/notes", "same folder names: the ~-paths");
  assert.equal(sideName(session({ alpha: side("/x/web"), beta: side("/x/web-copy") }), "beta", names), "web-copy");
  const project = session({ name: "proj-1a2b3c4d-code", labels: { "ferry-project": "1a2b3c4d" }, alpha: side("/home/me/code/proj/src"), beta: side("devbox:~/src") });
  assert.equal(syncTitle(project, { ...names, projectDirs: { "1a2b3c4d": "/home/me/code/proj" } }), "code · src ⇄ devbox:~/src");
  assert.equal(forwardTitle(forward(), "python3"), "python3 · devbox:47180 → localhost:47181");
  assert.equal(forwardTitle(forward()), "devbox:47180 → localhost:47181");
  assert.equal(forwardTitle(forward({ name: "web" }), "node"), "web · devbox:47180 → localhost:47181");
  assert.equal(shortAddress("devbox:tcp:10.0.0.5:3000"), "devbox → 10.0.0.5:3000");
  assert.equal(shortAddress("devbox:unix:/var/run/docker.sock"), "devbox:/var/run/docker.sock");
  assert.equal(shortAddress("tcp4:127.0.0.1:9000"), "localhost:9000");
  assert.equal(shortAddress("me@devbox:2222:tcp:localhost:22"), "devbox:22");
});

test("tree: project sessions under their ferry.yml, rows named by place, context values for the menus", () => {
  const p = { "ferry-project": "1a2b3c4d" };
  const state = stateWith(
    [
      session({ id: "sync_solo" }),
      session({ id: "sync_p", name: "proj-1a2b3c4d-code", labels: p, alpha: side("/home/me/code/proj/src"), beta: side("devbox:~/src"), createdAt: "2026-11-26T11:00:00Z" }),
      session({
        id: "sync_c",
        alpha: side("/home/me/code/proj"),
        beta: side("devbox:~/proj"),
        conflicts: [{ path: "notes.txt", ancestor: { kind: "file", size: 1 }, alpha: { kind: "file", size: 14 }, beta: { kind: "file", size: 21 } }],
        conflictCount: 1,
        createdAt: "2026-11-26T12:00:00Z",
      }),
    ],
    [forward({ id: "fwrd_p", labels: p, name: "proj-1a2b3c4d-web" })],
  );
  const ctx = { ...names, projectDirs: { "1a2b3c4d": "/home/me/code/proj" } };
  const roots = syncRoots(state);
  assert.deepEqual(roots.map((r) => item(state, r, ctx)!.label), ["proj ⇄ devbox:~/proj", "proj/ferry.yml", "proj ⇄ devbox:~/proj"]);
  assert.equal(item(state, roots[1], ctx)!.contextValue, "project has-file");
  assert.deepEqual(children(state, roots[1]).map((n) => item(state, n, ctx)!.label), ["code · src ⇄ devbox:~/src"]);
  assert.equal(item(state, forwardRoots(state)[0], ctx)!.label, "proj/ferry.yml");
  const sides = children(state, roots[2]);
  const [a, b, c] = sides.map((n) => item(state, n, ctx)!);
  assert.equal(a.label, "this machine: ~/code/proj");
  assert.equal(a.contextValue, "endpoint local");
  assert.equal(a.resource, "/home/me/code/proj");
  assert.equal(b.label, "devbox: ~/proj");
  assert.equal(b.contextValue, "endpoint remote");
  assert.equal(c.contextValue, "conflict local-remote");
  assert.equal(c.description, "this machine: file, 14 B · devbox: file, 21 B");
  assert.equal(c.resource, "/home/me/code/proj/notes.txt");
  // While ferry is stopped the views are empty, so that their welcome says why.
  for (const cause of ["missing", "daemonStopped", "crashes"] as const) {
    const stopped = reduce(state, { type: "backend", status: { state: "stopped", reason: "x", cause } });
    assert.deepEqual([syncRoots(stopped), forwardRoots(stopped)], [[], []], cause);
  }
  const reconnecting = reduce(state, { type: "backend", status: { state: "restarting", reason: "x", crashes: 1, delayMs: 250 } });
  assert.equal(syncRoots(reconnecting).length, 3, "a reconnection keeps the rows (no flicker)");
  // Paused: neutral icons; a lost host: a warning colour, not an error.
  const paused = stateWith([session({ paused: true, status: "paused", alpha: side("/a", { status: "paused" }), beta: side("devbox:~/b", { status: "paused" }) })]);
  const pr = item(paused, syncRoots(paused)[0])!;
  assert.deepEqual([pr.icon, pr.iconColor, pr.description], ["debug-pause", undefined, "paused"]);
  assert.deepEqual(children(paused, syncRoots(paused)[0]).map((n) => [item(paused, n)!.icon, item(paused, n)!.iconColor]), [["debug-pause", undefined], ["debug-pause", undefined]]);
  const lost = stateWith([session({ status: "disconnected", lastError: "connection refused", beta: side("devbox:~/b", { status: "disconnected", connected: false }) })]);
  const lr = item(lost, syncRoots(lost)[0])!;
  assert.deepEqual([lr.icon, lr.iconColor], ["debug-disconnect", "list.warningForeground"]);
  const halted = stateWith([session({ status: "halted-root-deleted", lastError: "the folder /a was deleted; restore it or reset" })]);
  const hr = item(halted, syncRoots(halted)[0])!;
  assert.deepEqual([hr.icon, hr.iconColor], ["error", "list.errorForeground"]);
  const err = children(halted, syncRoots(halted)[0])[0];
  assert.deepEqual([item(halted, err)!.label, item(halted, err)!.iconColor], ["the folder /a was deleted; restore it or reset", "list.errorForeground"]);
  // Words a person did not choose: no alpha, beta, or identifiers in any row.
  for (const st of [state, paused, lost, halted]) {
    const walk = (ns: ReturnType<typeof syncRoots>): string[] => ns.flatMap((n) => { const m = item(st, n, ctx)!; return [m.label, m.description ?? "", m.tooltip ?? "", ...walk(children(st, n))]; });
    for (const text of walk([...syncRoots(st), ...forwardRoots(st)])) {
      assert.doesNotMatch(text, /\balpha\b|\bbeta\b|sync_|fwrd_|backend|flush/i, text);
    }
  }
});

/** A transport whose other end is an in-memory server; end() ends it as a child's exit would. */
function memory(serve: (conn: rpc.MessageConnection) => void) {
  let exit: ((info: ExitInfo) => void) | undefined;
  let starts = 0;
  let server: rpc.MessageConnection | undefined;
  let down: PassThrough | undefined;
  const factory = (): Transport => {
    starts++;
    const up = new PassThrough();
    down = new PassThrough();
    server = rpc.createMessageConnection(new rpc.StreamMessageReader(up), new rpc.StreamMessageWriter(down));
    serve(server);
    server.listen();
    return {
      reader: new rpc.StreamMessageReader(down),
      writer: new rpc.StreamMessageWriter(up),
      kill: () => server?.dispose(),
      onExit: (l) => (exit = l),
      onStderr: () => undefined,
    };
  };
  return {
    factory,
    starts: () => starts,
    server: () => server!,
    /** Ends the child after what it wrote has been read, as "close" does. */
    end: (info: ExitInfo) => setImmediate(() => exit?.(info)),
  };
}

function backendOf(transport: () => Transport, statuses: BackendStatus[], synced: string[] = []) {
  return new Backend({
    transport,
    initialize: () => ({ clientName: "t", protocolVersion: 1 }),
    handlers: {
      connected: (init) => synced.push(`connected ${init.sessions.map((s) => s.status).join()}`),
      syncState: (s) => synced.push(`${s.status} ${s.seq}`),
      forwardState: () => undefined,
      log: () => undefined,
      diagnostic: () => undefined,
      hostKey: async () => ({ accept: false }),
      secret: async () => ({ value: "" }),
      status: (s) => statuses.push(s),
    },
  });
}

const until = (what: () => boolean) =>
  new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (what()) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });

test("backend: a missing binary stops at once, without a retry", async () => {
  const statuses: BackendStatus[] = [];
  let tries = 0;
  const b = backendOf(() => {
    tries++;
    throw new MissingBinary("the ferry program was not found");
  }, statuses);
  await b.start();
  assert.equal(tries, 1);
  assert.deepEqual(statuses.map((s) => s.state), ["starting", "stopped"]);
  assert.deepEqual(b.status, { state: "stopped", reason: "the ferry program was not found", cause: "missing" });
  // A spawn that fails with ENOENT (missing set) is no crash either.
  const m = memory((c) => c.onRequest("initialize", () => ({ version: "v", protocolVersion: 1, sessions: [] })));
  const st2: BackendStatus[] = [];
  const b2 = backendOf(m.factory, st2);
  const started = b2.start();
  m.end({ reason: "cannot run ferry: not found", missing: true });
  await started;
  await until(() => b2.status.state === "stopped");
  assert.equal((b2.status as { cause: string }).cause, "missing");
  assert.equal(m.starts(), 1);
});

test("backend: daemon/stopping then the end is a deliberate stop, honoured; for an upgrade it reconnects at once; a kill is a crash", async () => {
  const m = memory((c) => {
    c.onRequest("initialize", () => ({ version: "v", protocolVersion: 1, sessions: [] }));
    c.onRequest("forward/list", () => ({ sessions: [] }));
  });
  const statuses: BackendStatus[] = [];
  const b = backendOf(m.factory, statuses);
  await b.start();
  assert.equal(b.status.state, "running");
  // Upgrade: reconnect without counting a crash.
  await m.server().sendNotification("daemon/stopping", { reason: "upgrade", client: "ferry-cli" });
  m.end({ reason: "ferry --stdio exited with status 0" });
  await until(() => m.starts() === 2 && b.status.state === "running");
  assert.ok(!statuses.some((s) => s.state === "restarting"), "an upgrade is no crash");
  // A deliberate stop: stopped, not restarted.
  await m.server().sendNotification("daemon/stopping", { reason: "requested", client: "ferry-cli" });
  m.end({ reason: "ferry --stdio exited with status 1" });
  await until(() => b.status.state === "stopped");
  assert.deepEqual(b.status, { state: "stopped", reason: "the ferry daemon was stopped by ferry-cli (ferry daemon stop)", cause: "daemonStopped" });
  assert.equal(m.starts(), 2, "not restarted");
  assert.match(String(await b.request("daemon/version").catch((e: Error) => e.message)), /run "Ferry: Start"/);
  // Start: running again; then a death without notice is a crash, restarted.
  await b.start();
  assert.equal(b.status.state, "running");
  m.end({ reason: "ferry --stdio was killed by SIGKILL" });
  await until(() => statuses.some((s) => s.state === "restarting"));
  await until(() => b.status.state === "running" && m.starts() === 4);
  b.stop();
});

test("backend: notifications during initialize wait for the initial state; a protocol mismatch stops without retrying", async () => {
  const synced: string[] = [];
  const m = memory((c) => {
    c.onRequest("initialize", async () => {
      // A state newer than the result is sent before it.
      await c.sendNotification("sync/state", session({ seq: 8, status: "scanning" }));
      return { version: "v", protocolVersion: 1, sessions: [session({ seq: 7 })] };
    });
    c.onRequest("forward/list", () => ({ sessions: [] }));
  });
  const b = backendOf(m.factory, [], synced);
  await b.start();
  assert.deepEqual(synced, ["connected watching", "scanning 8"], "the initial state first, then what came meanwhile");
  b.stop();

  const mm = memory((c) =>
    c.onRequest("initialize", () => {
      throw new rpc.ResponseError(-32016, "this daemon speaks protocol version 2, the client 1");
    }),
  );
  const b2 = backendOf(mm.factory, []);
  await b2.start();
  assert.deepEqual(b2.status, { state: "stopped", reason: "this daemon speaks protocol version 2, the client 1", cause: "incompatible" });
  assert.equal(mm.starts(), 1);
});
