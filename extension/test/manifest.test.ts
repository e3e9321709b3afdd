// The manifest (package.json) is coherent with the code: commands, menus and the
// contextValues the tree model produces, views, settings, activation.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { evalWhen, inlineActions, manifest, root } from "./helpers";

type Menu = { command: string; when: string; group?: string };
const c = manifest.contributes;
const commandIds: string[] = c.commands.map((x: { command: string }) => x.command);

/** Every contextValue the tree model can produce (see core/tree.ts). */
const contextValues = [
  "sync-session running",
  "sync-session paused",
  "sync-session running has-conflicts",
  "sync-session paused has-conflicts",
  "forward-session running",
  "forward-session paused",
  "forward-session running browsable",
  "forward-session paused browsable",
  "endpoint connected",
  "endpoint disconnected",
  "conflict",
  "more-conflicts",
  "problem",
  "error",
];

test("identity, engine, entry point and activation", () => {
  assert.equal(manifest.name, "ferry");
  assert.equal(manifest.publisher, "ferrysync");
  assert.equal(manifest.engines.vscode, "^1.85.0");
  assert.equal(manifest.main, "./dist/extension.js");
  assert.deepEqual(manifest.activationEvents, ["onStartupFinished", "onView:ferry.sync", "onView:ferry.forward"]);
});

test("commands: all in category Ferry, titled, unique", () => {
  assert.equal(new Set(commandIds).size, commandIds.length);
  for (const cmd of c.commands) {
    assert.equal(cmd.category, "Ferry", cmd.command);
    assert.ok(cmd.title, cmd.command);
  }
  for (const title of ["Create Sync Session", "Forward a Port", "Start Project Sessions", "Stop Project Sessions", "Pause", "Resume", "Flush", "Reset", "Terminate", "Show Conflict", "Keep Alpha", "Keep Beta", "Show Logs", "Restart Backend"]) {
    assert.ok(c.commands.some((x: { title: string }) => x.title === title), title);
  }
});

test("activity bar container with the Sync and Forward views, and its icon", () => {
  assert.deepEqual(c.viewsContainers.activitybar.map((v: { id: string }) => v.id), ["ferry"]);
  assert.ok(fs.existsSync(path.join(root, c.viewsContainers.activitybar[0].icon)));
  assert.deepEqual(
    c.views.ferry.map((v: { id: string; name: string }) => [v.id, v.name]),
    [
      ["ferry.sync", "Sync"],
      ["ferry.forward", "Forward"],
    ],
  );
});

test("welcome views link to declared commands; the Sync one offers Create Sync Session", () => {
  for (const w of c.viewsWelcome) {
    for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g)) {
      assert.ok(commandIds.includes(m[1]), m[1]);
    }
  }
  assert.ok(c.viewsWelcome.some((w: { view: string; contents: string }) => w.view === "ferry.sync" && w.contents.includes("[Create Sync Session](command:ferry.createSyncSession)")));
});

test("menus name declared commands, and every item menu matches a contextValue the tree produces", () => {
  for (const [where, menus] of Object.entries(c.menus as Record<string, Menu[]>)) {
    for (const m of menus) {
      assert.ok(commandIds.includes(m.command), `${where}: ${m.command}`);
    }
  }
  for (const m of c.menus["view/item/context"] as Menu[]) {
    const hits = ["ferry.sync", "ferry.forward"].flatMap((view) => contextValues.filter((cv) => evalWhen(m.when, { view, viewItem: cv })));
    assert.ok(hits.length > 0, `menu ${m.command} (${m.when}) matches no tree row`);
  }
});

test("inline actions by contextValue", () => {
  const cases: [string, string, string[]][] = [
    ["ferry.sync", "sync-session running", ["ferry.flush", "ferry.pause", "ferry.reset", "ferry.terminate"]],
    ["ferry.sync", "sync-session paused", ["ferry.resume", "ferry.reset", "ferry.terminate"]],
    ["ferry.sync", "sync-session running has-conflicts", ["ferry.flush", "ferry.pause", "ferry.reset", "ferry.terminate"]],
    ["ferry.sync", "conflict", ["ferry.showConflict", "ferry.keepAlpha", "ferry.keepBeta"]],
    ["ferry.sync", "endpoint connected", []],
    ["ferry.forward", "forward-session running browsable", ["ferry.pause", "ferry.terminate", "ferry.openInBrowser"]],
    ["ferry.forward", "forward-session paused", ["ferry.resume", "ferry.terminate"]],
  ];
  for (const [view, cv, want] of cases) {
    assert.deepEqual(inlineActions(view, cv).sort(), [...want].sort(), `${view} ${cv}`);
  }
});

test("settings: ferry.path and ferry.logLevel", () => {
  const p = c.configuration.properties;
  assert.equal(p["ferry.path"].type, "string");
  assert.equal(p["ferry.path"].default, "ferry");
  assert.deepEqual(p["ferry.logLevel"].enum, ["off", "error", "warn", "info", "debug"]);
  assert.equal(p["ferry.logLevel"].default, "info");
});
