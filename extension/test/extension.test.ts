// The extension against the real `bin/ferry --stdio`, with the vscode stand-in: activation,
// the status bar through a whole sync cycle and a conflict, the conflict loop (the diff
// closes once resolved, Explorer decorations, restore of the replaced version from the
// trash), the tree, its inline actions and context menus with their confirmations, and
// the connection to the daemon killed and restored without a toast.
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
  return rows.find((r) => r.depth === 0 && (r.item.label === name || r.item.label.startsWith(`${name} `)));
}

/** What the Explorer shows for a file: the decoration badge and tooltip, if any. */
async function decoration(file: string): Promise<{ badge?: string; tooltip?: string } | undefined> {
  for (const p of vscode.recorder.decorationProviders) {
    const d = await p.provideFileDecoration(vscode.Uri.file(file));
    if (d) {
      return { badge: d.badge, tooltip: d.tooltip };
    }
  }
  return undefined;
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
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("two-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue(beta));
  const created = (await run("ferry.createSyncSession")) as { id: string; name: string; config: { ignoreVCS?: boolean; ignores?: string[] } } | undefined;
  assert.deepEqual(errorsShown(), []);
  assert.ok(created, "the command returns the created session");
  assert.equal(created.name, "project");
  assert.deepEqual(vscode.recorder.unexpected, []);
  // Four steps, numbered; the presets left out version control and node_modules/.
  const steps = vscode.recorder.pickers.filter((p) => p.step !== undefined).map((p) => `${p.step}/${p.totalSteps}`);
  assert.deepEqual(steps, ["1/4", "2/4", "3/4", "4/4"]);
  assert.equal(created.config.ignoreVCS, true);
  assert.deepEqual(created.config.ignores, ["node_modules/"]);

  await t.test("syncing with progress, then watching", async () => {
    await waitFor("a staging percentage in the status bar", () =>
      vscode.recorder.statusHistory.some((h) => /^\$\(sync~spin\) Ferry \d+%$/.test(h.text)),
    );
    // One progress figure: the row says what the status bar says, at the same moment.
    await waitFor("the row's figure equal to the status bar's", async () => {
      const pct = /^\$\(sync~spin\) Ferry (\d+)%$/.exec(statusText())?.[1];
      const r = sessionRow(await treeRows("ferry.sync"), "project");
      return pct !== undefined && r?.item.description === `syncing ${pct}%`;
    });
    await waitFor("watching after the first cycle", () => {
      const s = ext.api.state.sync[created.id];
      return statusText() === "$(eye) Ferry watching" && s && s.cycles >= 1 && s.status === "watching";
    });
    const texts = vscode.recorder.statusHistory.map((h) => h.text);
    const firstSync = texts.findIndex((x) => x.startsWith("$(sync~spin)"));
    assert.ok(firstSync >= 0 && texts.lastIndexOf("$(eye) Ferry watching") > firstSync, texts.join(" → "));
    assert.equal(fs.readFileSync(path.join(beta, "src", "f7.txt"), "utf8"), "file 7\n");
    assert.equal(fs.statSync(path.join(beta, "blob-5.bin")).size, 24 << 20);
    const refreshes = vscode.recorder.treeRefreshes.filter((r) => r.view === "ferry.sync");
    assert.ok(refreshes.every((r) => r.unknown === 0), `refreshed rows are the objects the view was given: ${JSON.stringify(refreshes)}`);
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
    const conflict = rows.find((r) => r.item.contextValue?.startsWith("conflict"));
    assert.ok(conflict, "a conflict row");
    assert.equal(conflict.item.label, "notes.txt");
    assert.equal(String(conflict.item.description), "project: file, 14 B · project-copy: file, 21 B");
    assert.deepEqual(inlineActions("ferry.sync", conflict.item.contextValue!), ["ferry.showConflict", "ferry.keepAlpha", "ferry.keepBeta"]);
    assert.equal(conflict.item.command?.command, "ferry.showConflict");
    assert.match(sessionRow(rows, "project")!.item.contextValue!, /has-conflicts/);
    assert.deepEqual(errorsShown(), []);
    // The Explorer marks both copies, with a tooltip naming the sides, and offers the diff.
    await waitFor("the Explorer decoration", async () => (await decoration(path.join(alpha, "notes.txt")))?.badge === "!");
    assert.equal((await decoration(path.join(alpha, "notes.txt")))?.tooltip, "Ferry: changed both on project and on project-copy");
    assert.equal((await decoration(path.join(beta, "notes.txt")))?.badge, "!");
    assert.equal(await decoration(path.join(alpha, "src", "f1.txt")), undefined);
    assert.ok((vscode.recorder.contexts.get("ferry.conflictFiles") as string[]).includes(path.join(alpha, "notes.txt")));
  });

  await t.test("Compare Versions opens a diff of both versions (sync/readFile), from the tree and the Explorer", async () => {
    const rows = await treeRows("ferry.sync");
    const conflict = rows.find((r) => r.item.contextValue?.startsWith("conflict"))!;
    await run(conflict.item.command!.command, ...(conflict.item.command!.arguments ?? []));
    const diff = vscode.recorder.executed.find((e) => e.command === "vscode.diff");
    assert.ok(diff, "vscode.diff was run");
    const [left, right, title] = diff.args as [Shim.Uri, Shim.Uri, string];
    assert.equal(left.scheme, "ferry-conflict");
    assert.equal(title, "notes.txt (project ↔ project-copy)");
    await waitFor("the active diff's pair", () => vscode.recorder.contexts.get("ferry.activeConflictPair") === "local-local");
    // From the Explorer's context menu (a file uri): the same diff.
    await run("ferry.showConflict", vscode.Uri.file(path.join(alpha, "notes.txt")));
    assert.equal(vscode.recorder.executed.filter((e) => e.command === "vscode.diff").length, 2);
    const provider = vscode.recorder.contentProviders.get("ferry-conflict")!;
    assert.equal(await provider.provideTextDocumentContent(left), "alpha version\n");
    assert.equal(await provider.provideTextDocumentContent(right), "beta version, longer\n");
  });

  await t.test("Keep Left from the diff resolves the conflict (sync/resolve), the diffs close, back to watching", async () => {
    const open = () => vscode.recorder.tabs.filter((x) => !x.closed && x.label.startsWith("notes.txt"));
    assert.equal(open().length, 2, "two diffs of notes.txt are open");
    // As the diff's title bar button does: the command with the active diff's uri.
    const active = vscode.tabGroups.activeTabGroup.activeTab!.input as Shim.TabInputTextDiff;
    await run("ferry.keepAlpha", active.original);
    assert.deepEqual(errorsShown(), []);
    assert.equal(open().length, 0, "the diffs of the resolved conflict are closed");
    await waitFor("watching without conflicts", () => statusText() === "$(eye) Ferry watching");
    assert.equal(statusItem().backgroundColor, undefined);
    assert.equal(fs.readFileSync(path.join(beta, "notes.txt"), "utf8"), "alpha version\n");
    assert.ok(vscode.recorder.messages.some((m) => m.message === "Ferry: kept project's version of notes.txt; project-copy has it now."), JSON.stringify(vscode.recorder.messages.map((m) => m.message)));
    await waitFor("the decoration gone", async () => (await decoration(path.join(alpha, "notes.txt"))) === undefined);
  });

  await t.test("Restore from Trash brings the replaced version back, under another name since the path is taken", async () => {
    vscode.script.quickPicks.push(vscode.pickLabel("notes.txt"));
    vscode.script.inputs.push((o) => o.value as string);
    const restored = (await run("ferry.restoreFromTrash", { kind: "sync", id: created.id })) as { path: string } | undefined;
    assert.deepEqual(errorsShown(), []);
    assert.deepEqual(vscode.recorder.unexpected, []);
    const pick = vscode.recorder.pickers.filter((p) => p.kind === "quickPick").pop()!;
    assert.equal(pick.title, `Ferry: Restore from Trash (project ⇄ ${beta})`);
    const box = vscode.recorder.pickers.filter((p) => p.kind === "inputBox").pop()!;
    assert.match(box.prompt ?? "", /notes\.txt exists on project-copy/);
    assert.equal(restored?.path, "notes.restored.txt");
    assert.equal(fs.readFileSync(path.join(beta, "notes.restored.txt"), "utf8"), "beta version, longer\n");
    await waitFor("the restored file synced to the other side", () => fs.existsSync(path.join(alpha, "notes.restored.txt")));
    assert.ok(vscode.recorder.messages.some((m) => /^Ferry: restored notes\.restored\.txt on project-copy; the next sync brings it to the other side\.$/.test(m.message)));
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
    vscode.answerMessages(/^Keep project-copy's version of all 2 conflicts of project ⇄ \S+project-copy\?$/, "Keep project-copy's Versions", true);
    await run("ferry.keepBeta", { kind: "sync", id: created.id });
    const confirm = vscode.recorder.messages.find((m) => /of all 2 conflicts/.test(m.message));
    assert.equal(confirm?.options?.modal, true);
    assert.equal(confirm?.answer, "Keep project-copy's Versions");
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
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("one-way-replica"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue(otherCopy));
  const created = (await run("ferry.createSyncSession", vscode.Uri.file(other))) as { id: string };
  assert.deepEqual(errorsShown(), []);
  await waitFor("second session watching", () => ext.api.state.sync[created.id]?.status === "watching");

  const daemon = () => direct.store.state.sync[created.id];
  let rows = await treeRows("ferry.sync");
  const row = sessionRow(rows, other)!;
  assert.ok(row, "the session is a root row");
  assert.equal(row.item.label, `${other} → ${otherCopy}`, "named by its folders, → for one way");
  assert.equal(row.item.contextValue, "sync-session running");
  assert.match(String(row.item.description), /^watching/);
  const kids = rows.slice(rows.indexOf(row) + 1).filter((r) => r.depth === 1).slice(0, 2);
  assert.deepEqual(kids.map((r) => r.item.label), [`second: ${other}`, `second-copy: ${otherCopy}`]);
  assert.match(String(kids[0].item.description), /^connected · 1 file/);
  assert.deepEqual(inlineActions("ferry.sync", row.item.contextValue!), ["ferry.pause"]);
  // A side's context menu: Reveal, a terminal there, Copy Path.
  await run("ferry.openTerminal", kids[0].node);
  assert.deepEqual(vscode.recorder.terminals.pop(), { name: `Ferry: ${other}`, cwd: other });
  await run("ferry.copyPath", kids[1].node);
  assert.equal(vscode.recorder.clipboard, otherCopy);

  await run("ferry.pause", row.node);
  await waitFor("the daemon to report it paused", () => daemon()?.paused && daemon()?.status === "paused");
  await waitFor("the row to be paused", async () => sessionRow(await treeRows("ferry.sync"), other)?.item.contextValue === "sync-session paused");
  // A pause is calm: neutral icons, no colour, "paused" (never "disconnected").
  const pausedRows = await treeRows("ferry.sync");
  const pausedRow = sessionRow(pausedRows, other)!;
  assert.deepEqual([pausedRow.item.iconPath?.id, pausedRow.item.iconPath?.color, pausedRow.item.description], ["debug-pause", undefined, "paused"]);
  const pausedSides = pausedRows.slice(pausedRows.indexOf(pausedRow) + 1, pausedRows.indexOf(pausedRow) + 3);
  assert.deepEqual(pausedSides.map((r) => [r.item.iconPath?.id, r.item.iconPath?.color?.id, String(r.item.description).split(" · ")[0]]), [
    ["debug-pause", undefined, "paused"],
    ["debug-pause", undefined, "paused"],
  ]);
  assert.deepEqual(inlineActions("ferry.sync", "sync-session paused"), ["ferry.resume"]);

  await run("ferry.resume", row.node);
  await waitFor("the daemon to report it running", () => daemon() && !daemon().paused && daemon().status === "watching");

  const cycles = daemon().cycles;
  fs.writeFileSync(path.join(other, "b.txt"), "b\n");
  await run("ferry.flush", row.node);
  assert.ok(vscode.recorder.executed.some((e) => e.command === "(progress)" && String(e.args[0]) === `Ferry: synchronizing ${other} → ${otherCopy}…`));
  await waitFor("a cycle after the flush", () => daemon().cycles > cycles);
  assert.equal(fs.readFileSync(path.join(otherCopy, "b.txt"), "utf8"), "b\n");

  // Reset asks first, saying what it does, and says what came of it.
  vscode.answerMessages(/^Reset /, undefined, true);
  await run("ferry.reset", row.node);
  const asked = vscode.recorder.messages.filter((m) => /^Reset /.test(m.message)).pop()!;
  assert.equal(asked.options?.modal, true);
  assert.match(asked.options?.detail ?? "", /compares them afresh.*Nothing is deleted/);
  assert.ok(!vscode.recorder.messages.some((m) => /was reset/.test(m.message)), "dismissed: nothing done");
  vscode.answerMessages(/^Reset /, "Reset", true);
  await run("ferry.reset", row.node);
  await waitFor("watching after the reset", () => daemon().status === "watching");
  assert.ok(vscode.recorder.messages.some((m) => m.message === `Ferry: ${other} → ${otherCopy} was reset; both sides are being compared afresh.`));

  // From the palette: a quick pick of the sessions; Terminate asks first.
  vscode.script.quickPicks.push(vscode.pickLabel(other));
  vscode.answerMessages(/^Stop syncing /, "Stop Syncing", true);
  await run("ferry.terminate");
  assert.match(vscode.recorder.messages.filter((m) => /^Stop syncing/.test(m.message)).pop()?.options?.detail ?? "", /files stay as they are/);
  await waitFor("the session gone from the daemon", () => !daemon());
  // The extension is another client: it hears of the termination on its own time.
  await waitFor("the session gone from the extension", () => !ext.api.state.sync[created.id]);
  rows = await treeRows("ferry.sync");
  assert.equal(sessionRow(rows, other), undefined);
  const listed = await direct.backend.request("sync/list", {});
  assert.ok(!listed.sessions.some((s) => s.id === created.id));
  assert.ok(fs.existsSync(path.join(otherCopy, "a.txt")), "terminate keeps the files");
  assert.deepEqual(errorsShown(), []);
  assert.deepEqual(vscode.recorder.unexpected, []);
});

test("ferry --stdio killed: reconnected by the policy, shown in the status bar only (no toast)", async () => {
  const pid = ext.api.backendPid!;
  const before = vscode.recorder.messages.length;
  const known = Object.keys(ext.api.state.sync);
  assert.ok(known.length > 0);
  process.kill(pid, "SIGKILL");
  await waitFor("reconnecting, in the warning colour", () =>
    vscode.recorder.statusHistory.some((h) => h.text === "$(loading~spin) Ferry reconnecting" && h.background === "statusBarItem.warningBackground"),
  );
  await waitFor("running again with a new child", () => ext.api.state.backend.state === "running" && ext.api.backendPid !== pid);
  assert.deepEqual(vscode.recorder.messages.slice(before).map((m) => m.message), [], "a transient state is no toast");
  assert.ok(vscode.recorder.logs.some((l) => /ferry --stdio was killed by SIGKILL/.test(l.message)), "the log says what happened");
  assert.deepEqual(Object.keys(ext.api.state.sync), known, "the sessions are back from initialize");
  await waitFor("the status bar back to a session summary", () => /Ferry (watching|\d+%|syncing)/.test(statusText()));
  // And it works: a request through the new child.
  vscode.script.quickPicks.push(vscode.pickLabel("project ⇄"));
  await run("ferry.flush");
  assert.deepEqual(errorsShown(), []);
});

test("Create Sync Session: folders another session syncs already are a warning, with Create Anyway", async () => {
  const outer = path.join(sb.dir, "outer");
  const copy = path.join(sb.dir, "outer-copy");
  fs.mkdirSync(path.join(outer, "inner"), { recursive: true });
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("two-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue(copy));
  const first = (await run("ferry.createSyncSession", vscode.Uri.file(outer))) as { id: string } | undefined;
  assert.ok(first?.id);
  // The same files between the same places: outer/inner with outer-copy/inner.
  vscode.answerMessages(/lies inside/, "Create Anyway", true);
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("two-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue(path.join(copy, "inner")));
  const second = (await run("ferry.createSyncSession", vscode.Uri.file(path.join(outer, "inner")))) as { id: string; paused?: boolean } | undefined;
  const warning = vscode.recorder.messages.find((m) => /lies inside/.test(m.message));
  assert.equal(warning?.level, "warning", "an overlap is a question, not a failure");
  assert.deepEqual(warning?.items, ["Create Anyway", "Edit and Retry"]);
  assert.ok(second?.id, "Create Anyway creates it");
  assert.deepEqual(errorsShown(), []);
  for (const s of [first, second]) {
    await direct.backend.request("sync/terminate", { sessions: [s!.id] });
  }
});

test("Create Sync Session: Back goes a step back; a refusal keeps the answers (Edit and Retry)", async () => {
  const other = path.join(sb.dir, "third");
  fs.mkdirSync(other);
  const before = vscode.recorder.pickers.length;
  // Step 1 Local folder, step 2 Back, step 1 a host typed in, step 2 a path, 3, 4.
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("Enter a host"), vscode.pickLabel("one-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.press("Back"), vscode.typeValue("nobody@127.0.0.1:1"), vscode.typeValue("~/third"));
  // The daemon cannot reach that host: Edit and Retry, then dismiss the first step.
  vscode.answerMessages(/^Ferry: cannot sync third with nobody@127\.0\.0\.1:1:~\/third: /, "Edit and Retry", true);
  vscode.script.quickPicks.push((items, options) => {
    // The retry starts with the earlier answers: the typed host is offered again.
    assert.match(String(options.title), /sync third with/);
    assert.ok(items.some((i) => i.label.includes("Enter a host") && i.description === "nobody@127.0.0.1:1"), JSON.stringify(items.map((i) => [i.label, i.description])));
    return undefined;
  });
  const created = await run("ferry.createSyncSession", vscode.Uri.file(other));
  assert.equal(created, undefined);
  assert.deepEqual(vscode.recorder.unexpected, []);
  const steps = vscode.recorder.pickers.slice(before).map((p) => `${p.kind} ${p.step}/${p.totalSteps}${p.answer ? ` ${p.answer}` : ""}`);
  assert.deepEqual(steps.slice(0, 3), ["quickPick 1/4 $(folder) Local folder", "inputBox 2/4 [Back]", "quickPick 1/4 $(edit) Enter a host…"]);
  assert.ok(vscode.recorder.pickers.slice(before).find((p) => p.step === 2)?.buttons?.includes("Browse…"), "a Browse… button for a local folder");
  const refused = vscode.recorder.messages.find((m) => /^Ferry: cannot sync third/.test(m.message));
  assert.deepEqual(refused?.items, ["Edit and Retry"]);
});
