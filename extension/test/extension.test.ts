// The extension against the real `bin/ferry --stdio`, with the vscode stand-in: activation,
// the status bar through a whole sync cycle and a conflict, the tree and its inline
// actions, and the backend killed and restarted.
import {
  activate,
  Activated,
  cleanup,
  deactivate,
  directClient,
  errorsShown,
  inlineActions,
  manifest,
  Row,
  run,
  sandbox,
  Sandbox,
  statusItem,
  statusText,
  treeRows,
  vscode,
  waitFor,
} from "./helpers";
import type * as Shim from "./shim/vscode";
import assert from "node:assert/strict";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { after, before, test } from "node:test";

let sb: Sandbox;
let ext: Activated;
let alpha: string;
let beta: string;
let direct: Awaited<ReturnType<typeof directClient>>;

before(async () => {
  sb = sandbox();
  alpha = path.join(sb.dir, "project");
  beta = path.join(sb.dir, "project-copy");
  fs.mkdirSync(path.join(alpha, "src"), { recursive: true });
  // Enough data that staging lasts several progress reports.
  for (let i = 0; i < 6; i++) {
    fs.writeFileSync(path.join(alpha, `blob-${i}.bin`), randomBytes(24 << 20));
  }
  for (let i = 0; i < 50; i++) {
    fs.writeFileSync(path.join(alpha, "src", `f${i}.txt`), `file ${i}\n`);
  }
  vscode.setWorkspaceFolders([alpha]);
  vscode.setConfiguration("ferry.logLevel", "debug");
  ext = activate();
  await ext.api.whenReady();
  direct = await directClient(sb);
});

after(() => {
  direct?.close();
  if (ext) {
    deactivate(ext);
  }
  cleanup(sb);
});

function sessionRow(rows: Row[], name: string): Row | undefined {
  return rows.find((r) => r.depth === 0 && r.item.label === name);
}

test("activation: commands, views, status bar and backend", async () => {
  const declared = (manifest.contributes.commands as { command: string }[]).map((c) => c.command).sort();
  const registered = [...vscode.recorder.commands.keys()].sort();
  assert.deepEqual(registered, declared, "every declared command is registered, and only those");
  assert.ok(vscode.recorder.treeViews.has("ferry.sync") && vscode.recorder.treeViews.has("ferry.forward"));
  await waitFor("the backend to run", () => ext.api.state.backend.state === "running");
  assert.equal(vscode.recorder.contexts.get("ferry.backend"), "running");
  assert.equal(statusText(), "$(circle-outline) Ferry idle");
  assert.equal(statusItem().visible, true);
  assert.deepEqual(await treeRows("ferry.sync"), [], "an empty tree shows the welcome view");
  assert.ok(typeof ext.api.backendPid === "number");
  // Clicking the status bar item opens the Ferry view container.
  assert.equal((statusItem().command as { command: string }).command, "workbench.view.extension.ferry");
  assert.deepEqual(errorsShown(), []);
});

test("status bar through a cycle: create, syncing with progress, watching, conflict, keep alpha", async (t) => {
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("two-way-safe"));
  vscode.script.inputs.push(vscode.typeValue(beta));
  const created = (await run("ferry.createSyncSession")) as { id: string; name: string } | undefined;
  assert.deepEqual(errorsShown(), []);
  assert.ok(created, "the command returns the created session");
  assert.equal(created.name, "project");
  assert.deepEqual(vscode.recorder.unexpected, []);

  await t.test("syncing with progress, then watching", async () => {
    await waitFor("a staging percentage in the status bar", () =>
      vscode.recorder.statusHistory.some((h) => /^\$\(sync~spin\) Ferry \d+%$/.test(h.text)),
    );
    await waitFor("watching after the first cycle", () => {
      const s = ext.api.state.sync[created.id];
      return statusText() === "$(eye) Ferry watching" && s && s.cycles >= 1 && s.status === "watching";
    });
    const texts = vscode.recorder.statusHistory.map((h) => h.text);
    const firstSync = texts.findIndex((x) => x.startsWith("$(sync~spin)"));
    assert.ok(firstSync >= 0 && texts.lastIndexOf("$(eye) Ferry watching") > firstSync, texts.join(" → "));
    assert.equal(fs.readFileSync(path.join(beta, "src", "f7.txt"), "utf8"), "file 7\n");
    assert.equal(fs.statSync(path.join(beta, "blob-5.bin")).size, 24 << 20);
  });

  await t.test("a conflict shows in the status bar and the tree", async () => {
    fs.writeFileSync(path.join(alpha, "notes.txt"), "base\n");
    await waitFor("notes.txt on beta", () => fs.existsSync(path.join(beta, "notes.txt")) && statusText() === "$(eye) Ferry watching");
    await run("ferry.pause", { kind: "sync", id: created.id });
    await waitFor("paused", () => ext.api.state.sync[created.id]?.paused);
    fs.writeFileSync(path.join(alpha, "notes.txt"), "alpha version\n");
    fs.writeFileSync(path.join(beta, "notes.txt"), "beta version, longer\n");
    await run("ferry.resume", { kind: "sync", id: created.id });
    await waitFor("1 conflict in the status bar", () => statusText() === "$(warning) Ferry 1 conflict");
    assert.equal(statusItem().backgroundColor?.id, "statusBarItem.warningBackground");
    const rows = await treeRows("ferry.sync");
    const conflict = rows.find((r) => r.item.contextValue === "conflict");
    assert.ok(conflict, "a conflict row");
    assert.equal(conflict.item.label, "notes.txt");
    assert.match(String(conflict.item.description), /alpha: file, 14 B · beta: file, 21 B/);
    assert.deepEqual(inlineActions("ferry.sync", conflict.item.contextValue!), ["ferry.showConflict", "ferry.keepAlpha", "ferry.keepBeta"]);
    assert.equal(conflict.item.command?.command, "ferry.showConflict");
    assert.match(sessionRow(rows, "project")!.item.contextValue!, /has-conflicts/);
    assert.deepEqual(errorsShown(), []);
  });

  await t.test("Show Conflict opens a diff of both versions (sync/readFile)", async () => {
    const rows = await treeRows("ferry.sync");
    const conflict = rows.find((r) => r.item.contextValue === "conflict")!;
    await run(conflict.item.command!.command, ...(conflict.item.command!.arguments ?? []));
    const diff = vscode.recorder.executed.find((e) => e.command === "vscode.diff");
    assert.ok(diff, "vscode.diff was run");
    const [left, right, title] = diff.args as [Shim.Uri, Shim.Uri, string];
    assert.equal(left.scheme, "ferry-conflict");
    assert.match(title, /notes\.txt: alpha ↔ beta/);
    const provider = vscode.recorder.contentProviders.get("ferry-conflict")!;
    assert.equal(await provider.provideTextDocumentContent(left), "alpha version\n");
    assert.equal(await provider.provideTextDocumentContent(right), "beta version, longer\n");
  });

  await t.test("Keep Alpha resolves the conflict (sync/resolve), back to watching", async () => {
    const rows = await treeRows("ferry.sync");
    const conflict = rows.find((r) => r.item.contextValue === "conflict")!;
    await run("ferry.keepAlpha", conflict.node);
    assert.deepEqual(errorsShown(), []);
    await waitFor("watching without conflicts", () => statusText() === "$(eye) Ferry watching");
    assert.equal(statusItem().backgroundColor, undefined);
    assert.equal(fs.readFileSync(path.join(beta, "notes.txt"), "utf8"), "alpha version\n");
    assert.ok(vscode.recorder.messages.some((m) => /kept alpha's version of 1 path/.test(m.message)));
  });

  await t.test("Keep Beta on the session resolves all of its conflicts, after a confirmation", async () => {
    await run("ferry.pause", { kind: "sync", id: created.id });
    await waitFor("paused", () => ext.api.state.sync[created.id]?.paused);
    for (const name of ["one.txt", "two.txt"]) {
      fs.writeFileSync(path.join(alpha, name), `alpha ${name}\n`);
      fs.writeFileSync(path.join(beta, name), `beta ${name}\n`);
    }
    await run("ferry.resume", { kind: "sync", id: created.id });
    await waitFor("2 conflicts", () => statusText() === "$(warning) Ferry 2 conflicts");
    vscode.answerMessages(/Keep beta's version of all 2 conflicts of project\?/, "Keep Beta", true);
    await run("ferry.keepBeta", { kind: "sync", id: created.id });
    const confirm = vscode.recorder.messages.find((m) => /of all 2 conflicts/.test(m.message));
    assert.equal(confirm?.options?.modal, true);
    assert.equal(confirm?.answer, "Keep Beta");
    assert.deepEqual(errorsShown(), []);
    await waitFor("watching again", () => statusText() === "$(eye) Ferry watching");
    for (const name of ["one.txt", "two.txt"]) {
      assert.equal(fs.readFileSync(path.join(alpha, name), "utf8"), `beta ${name}\n`);
    }
  });
});

test("tree rows and inline actions change the daemon's state", async () => {
  const other = path.join(sb.dir, "second");
  const otherCopy = path.join(sb.dir, "second-copy");
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, "a.txt"), "a\n");
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("one-way-replica"));
  vscode.script.inputs.push(vscode.typeValue(otherCopy));
  const created = (await run("ferry.createSyncSession", vscode.Uri.file(other))) as { id: string };
  assert.deepEqual(errorsShown(), []);
  await waitFor("second session watching", () => ext.api.state.sync[created.id]?.status === "watching");

  const daemon = () => direct.store.state.sync[created.id];
  let rows = await treeRows("ferry.sync");
  const row = sessionRow(rows, "second")!;
  assert.ok(row, "the session is a root row");
  assert.equal(row.item.contextValue, "sync-session running");
  assert.match(String(row.item.description), /^watching/);
  const kids = rows.slice(rows.indexOf(row) + 1).filter((r) => r.depth === 1).slice(0, 2);
  assert.deepEqual(kids.map((r) => r.item.label), [`alpha: ${other}`, `beta: ${otherCopy}`]);
  assert.match(String(kids[0].item.description), /^connected · 1 file/);
  assert.deepEqual(inlineActions("ferry.sync", row.item.contextValue!), ["ferry.flush", "ferry.pause", "ferry.reset", "ferry.terminate"]);

  await run("ferry.pause", row.node);
  await waitFor("the daemon to report it paused", () => daemon()?.paused && daemon()?.status === "paused");
  await waitFor("the row to be paused", async () => sessionRow(await treeRows("ferry.sync"), "second")?.item.contextValue === "sync-session paused");
  assert.deepEqual(inlineActions("ferry.sync", "sync-session paused"), ["ferry.resume", "ferry.reset", "ferry.terminate"]);

  await run("ferry.resume", row.node);
  await waitFor("the daemon to report it running", () => daemon() && !daemon().paused && daemon().status === "watching");

  const cycles = daemon().cycles;
  fs.writeFileSync(path.join(other, "b.txt"), "b\n");
  await run("ferry.flush", row.node);
  assert.ok(vscode.recorder.executed.some((e) => e.command === "(progress)" && /synchronizing second/.test(String(e.args[0]))));
  await waitFor("a cycle after the flush", () => daemon().cycles > cycles);
  assert.equal(fs.readFileSync(path.join(otherCopy, "b.txt"), "utf8"), "b\n");

  await run("ferry.reset", row.node);
  await waitFor("watching after the reset", () => daemon().status === "watching");

  // From the palette: a quick pick of the sessions.
  vscode.script.quickPicks.push(vscode.pickLabel("second"));
  await run("ferry.terminate");
  await waitFor("the session gone from the daemon", () => !daemon());
  rows = await treeRows("ferry.sync");
  assert.equal(sessionRow(rows, "second"), undefined);
  const listed = await direct.backend.request("sync/list", {});
  assert.ok(!listed.sessions.some((s) => s.id === created.id));
  assert.ok(fs.existsSync(path.join(otherCopy, "a.txt")), "terminate keeps the files");
  assert.deepEqual(errorsShown(), []);
  assert.deepEqual(vscode.recorder.unexpected, []);
});

test("the backend killed is restarted by the policy", async () => {
  const pid = ext.api.backendPid!;
  const before = vscode.recorder.messages.length;
  const known = Object.keys(ext.api.state.sync);
  assert.ok(known.length > 0);
  process.kill(pid, "SIGKILL");
  await waitFor("the disconnected status on an error background", () =>
    vscode.recorder.statusHistory.some((h) => h.text === "$(debug-disconnect) Ferry disconnected" && h.background === "statusBarItem.errorBackground"),
  );
  await waitFor("running again with a new child", () => ext.api.state.backend.state === "running" && ext.api.backendPid !== pid);
  const warned = vscode.recorder.messages.slice(before).find((m) => m.level === "warning");
  assert.match(warned?.message ?? "", /backend stopped \(ferry --stdio was killed by SIGKILL\); restarting it/);
  assert.deepEqual(Object.keys(ext.api.state.sync), known, "the sessions are back from initialize");
  await waitFor("the status bar back to a session summary", () => /Ferry (watching|\d+%|syncing)/.test(statusText()));
  // And it works: a request through the new child.
  vscode.script.quickPicks.push(vscode.pickLabel("project"));
  await run("ferry.flush");
  assert.deepEqual(errorsShown(), []);
});
