// What the editor shows for states the real daemon does not produce on cue (or, for the
// endpoint status and seq, not yet): a fake `ferry --stdio` (dist/test/fake-ferry.js)
// sends them, and the adapter renders them through the recording vscode stand-in: a
// pause with paused sides (neutral), a lost host (reconnecting, warning, debounced), a
// halt (red, with its reason), states out of order (the newest wins), and a large first
// sync (a progress notification with bytes and time, closed when it ends).
import { activate, Activated, deactivate, sandbox, Sandbox, statusItem, statusText, treeRows, vscode, waitFor } from "./helpers";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, afterEach, test } from "node:test";

const fake = path.join(__dirname, "fake-ferry.js");
let sb: Sandbox | undefined;
let ext: Activated | undefined;

const side = (url: string, over: object = {}) => ({
  url, status: "connected", connected: true, scanned: true, directories: 1, files: 3, symlinks: 0, totalFileSize: 300, problems: [], problemCount: 0, ...over,
});
const base = {
  id: "sync_fake",
  name: "web",
  alpha: side("/home/me/web"),
  beta: side("devbox:~/web"),
  config: { mode: "two-way-safe" },
  paused: false,
  createdAt: "2026-12-01T10:00:00Z",
  status: "watching",
  conflicts: [],
  conflictCount: 0,
  cycles: 4,
};
const state = (seq: number, over: object) => ({ method: "sync/state", params: { ...base, seq, ...over } });

function run(notifications: object[], sessions: object[] = [], onFlush: object[] = []): Activated {
  sb = sb ?? sandbox();
  const file = path.join(sb.dir, "scenario.json");
  fs.writeFileSync(file, JSON.stringify({ notifications, sessions, onFlush }));
  process.env.FAKE_FERRY_SCENARIO = file;
  ext = activate(fake);
  return ext;
}

const sent = () => waitFor("the fake's notifications", () => vscode.recorder.logs.some((l) => l.message === "notifications sent"));

afterEach(() => {
  if (ext) {
    deactivate(ext);
    ext = undefined;
  }
  vscode.recorder.logs.length = 0;
  vscode.recorder.messages.length = 0;
  delete process.env.FAKE_FERRY_SCENARIO;
});

after(() => sb && fs.rmSync(sb.dir, { recursive: true, force: true }));

async function sessionRows() {
  const rows = await treeRows("ferry.sync");
  return rows.map((r) => ({ label: r.item.label, description: String(r.item.description ?? ""), icon: r.item.iconPath?.id, color: r.item.iconPath?.color?.id }));
}

test("a pause with both sides paused: neutral everywhere, never disconnected", async () => {
  run([state(2, { paused: true, status: "paused", alpha: side("/home/me/web", { status: "paused", connected: false }), beta: side("devbox:~/web", { status: "paused", connected: false }) })]);
  await sent();
  await waitFor("paused", () => statusText() === "$(debug-pause) Ferry paused");
  assert.equal(statusItem().backgroundColor, undefined);
  const rows = await sessionRows();
  assert.deepEqual(rows.map((r) => [r.icon, r.color, r.description.split(" · ")[0]]), [
    ["debug-pause", undefined, "paused"],
    ["debug-pause", undefined, "paused"],
    ["debug-pause", undefined, "paused"],
  ]);
  assert.ok(!rows.some((r) => /disconnected|reconnecting/.test(r.description)));
});

test("a lost host: reconnecting to devbox, a warning (after the debounce), the healthy side stays connected", async () => {
  run([
    state(2, {}),
    state(3, { status: "disconnected", lastError: "devbox: connection lost; retrying", beta: side("devbox:~/web", { status: "disconnected", connected: false }) }),
    state(4, { status: "connecting-beta", lastError: "devbox: connection lost; retrying", beta: side("devbox:~/web", { status: "connecting", connected: false }) }),
    state(5, { status: "disconnected", lastError: "devbox: connection refused; retrying", beta: side("devbox:~/web", { status: "disconnected", connected: false }) }),
  ]);
  await sent();
  await waitFor("reconnecting, in the warning colour", () => statusText() === "$(debug-disconnect) Ferry reconnecting to devbox" && statusItem().backgroundColor?.id === "statusBarItem.warningBackground", 10000);
  const texts = vscode.recorder.statusHistory.map((h) => h.text).filter((t, i, all) => all[i - 1] !== t);
  assert.ok(!texts.some((t) => /connecting$|disconnected/.test(t) && !/reconnecting/.test(t)), `no flapping: ${texts.join(" | ")}`);
  const rows = await sessionRows();
  assert.deepEqual([rows[0].description, rows[0].color], ["reconnecting to devbox", "list.warningForeground"]);
  const sides = rows.filter((r) => r.label === "this machine: /home/me/web" || r.label === "devbox: ~/web");
  assert.deepEqual(sides.map((r) => [r.label, r.description.split(" · ")[0], r.color]), [
    ["this machine: /home/me/web", "connected", undefined],
    ["devbox: ~/web", "reconnecting", "list.warningForeground"],
  ]);
  assert.ok(!vscode.recorder.statusHistory.some((h) => h.background === "statusBarItem.errorBackground"), "never red");
});

test("a halt: red, with the daemon's reason and what to do", async () => {
  const reason = "the folder /home/me/web was emptied; ferry stopped instead of deleting everything on devbox: restore it, or reset the session";
  run([state(2, { status: "halted-root-emptied", lastError: reason })]);
  await sent();
  await waitFor("halted", () => statusText() === "$(error) Ferry 1 session halted");
  assert.equal(statusItem().backgroundColor?.id, "statusBarItem.errorBackground");
  const rows = await sessionRows();
  assert.deepEqual([rows[0].description, rows[0].color], ["halted: a folder was emptied", "list.errorForeground"]);
  assert.deepEqual([rows[1].label, rows[1].color], [reason, "list.errorForeground"]);
});

test("states out of order: the highest seq wins; a late state of a terminated session does not bring it back", async () => {
  run([
    state(7, { status: "scanning" }),
    state(6, { status: "staging-beta", staging: { side: "beta", filesDone: 0, filesTotal: 1, bytesDone: 0, bytesTotal: 10, rate: 0 } }),
    state(8, { status: "watching", cycles: 9 }),
    state(5, { status: "disconnected" }),
    { method: "sync/state", params: { ...base, id: "sync_gone", seq: 3, terminated: true } },
    { method: "sync/state", params: { ...base, id: "sync_gone", seq: 2, status: "watching" } },
  ]);
  await sent();
  await waitFor("the newest state", () => ext!.api.state.sync.sync_fake?.cycles === 9);
  assert.equal(ext!.api.state.sync.sync_fake.status, "watching");
  assert.equal(ext!.api.state.sync.sync_gone, undefined);
  assert.equal(statusText(), "$(eye) Ferry watching");
});

test("a large first sync: a progress notification with bytes, rate and time left, closed when it ends", async () => {
  const staging = (seq: number, done: number) =>
    state(seq, { cycles: 0, status: "staging-beta", staging: { side: "beta", filesDone: Math.floor(done / 10), filesTotal: 40, bytesDone: done << 20, bytesTotal: 400 << 20, rate: 20 << 20 } });
  run([staging(2, 40), staging(3, 200), staging(4, 360), state(5, { cycles: 1, status: "watching" })]);
  await sent();
  await waitFor("the notification closed", () => vscode.recorder.progress.some((p) => /first sync/.test(p.title ?? "") && p.done));
  const p = vscode.recorder.progress.find((x) => /first sync/.test(x.title ?? ""))!;
  assert.equal(p.title, "Ferry: first sync of /home/me/web ⇄ devbox:~/web");
  assert.deepEqual(p.messages, [
    "40 MB of 400 MB, 4 of 40 files, 20 MB/s, about 18 s left",
    "200 MB of 400 MB, 20 of 40 files, 20 MB/s, about 10 s left",
    "360 MB of 400 MB, 36 of 40 files, 20 MB/s, about 2 s left",
  ]);
  assert.equal(statusText(), "$(eye) Ferry watching");
});

test("a known session's progress refreshes its rows only, with the objects the view was given", async () => {
  const staging = (seq: number, done: number) =>
    state(seq, { status: "staging-beta", staging: { side: "beta", filesDone: 1, filesTotal: 4, bytesDone: done, bytesTotal: 100, rate: 10 } });
  vscode.recorder.treeRefreshes.length = 0;
  // The session is known from initialize; its progress comes when Sync Now asks, twice.
  run([], [{ ...base, seq: 1 }], [[staging(2, 10)], [staging(3, 50)]]);
  await waitFor("the initial rows", async () => ext!.api.state.backend.state === "running" && (await sessionRows())[0]?.description === "watching");
  const refreshed = () => vscode.recorder.treeRefreshes.filter((r) => r.view === "ferry.sync").length;
  // The first batch may share a refresh with the connection's; once a refresh has
  // followed it, nothing else is pending.
  await vscode.commands.executeCommand("ferry.flush", { kind: "sync", id: "sync_fake" });
  const n = refreshed();
  await waitFor("a refresh after the first batch", () => refreshed() > n || vscode.recorder.treeRefreshes.some((r) => r.what === 1));
  const before = vscode.recorder.treeRefreshes.length;
  await vscode.commands.executeCommand("ferry.flush", { kind: "sync", id: "sync_fake" });
  await waitFor("the row's figure", async () => (await sessionRows())[0]?.description === "syncing 50%");
  assert.equal(statusText(), "$(sync~spin) Ferry 50%", "one figure: the status bar's");
  await waitFor("a refresh of the second batch", () => vscode.recorder.treeRefreshes.slice(before).some((r) => r.view === "ferry.sync"));
  const second = vscode.recorder.treeRefreshes.slice(before).filter((r) => r.view === "ferry.sync");
  assert.deepEqual(second, [{ view: "ferry.sync", what: 1, unknown: 0 }], "the session's row only, an object the view knows");
});
