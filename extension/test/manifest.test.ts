// The manifest (package.json) is coherent with the code: commands, menus and the
// contextValues the tree model produces, views, settings, activation.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { contextActions, evalWhen, inlineActions, manifest, root } from "./helpers";

type Menu = { command: string; when: string; group?: string };
const c = manifest.contributes;
const commandIds: string[] = c.commands.map((x: { command: string }) => x.command);

/** Every contextValue the tree model can produce (see core/tree.ts). */
const contextValues = [
  "sync-session running",
  "sync-session paused",
  "sync-session running has-conflicts",
  "sync-session paused has-conflicts",
  "sync-session running project",
  "sync-session running has-conflicts project",
  "forward-session running",
  "forward-session paused",
  "forward-session running browsable",
  "forward-session paused browsable",
  "endpoint local",
  "endpoint remote",
  "conflict local-remote",
  "conflict remote-local",
  "conflict local-local",
  "conflict remote-remote",
  "project",
  "project has-file",
  "more-conflicts",
  "problem",
  "error",
];

test("identity, engine, entry point, lazy activation, a UI extension with its icon", () => {
  assert.equal(manifest.name, "ferry");
  assert.equal(manifest.publisher, "ferrysync");
  assert.equal(manifest.engines.vscode, "^1.85.0");
  assert.equal(manifest.main, "./dist/extension.js");
  // Lazy: the views, a ferry.yml, and the commands (implicit) activate it; nothing at startup.
  assert.deepEqual(manifest.activationEvents, ["onView:ferry.sync", "onView:ferry.forward", "workspaceContains:ferry.yml"]);
  // Under Remote-SSH ferry runs on the laptop, beside the local folders.
  // ui first: under Remote-SSH it runs on the laptop; workspace where no UI host can run it (code-server, the web).
  assert.deepEqual(manifest.extensionKind, ["ui", "workspace"]);
  assert.match(manifest.icon, /\.png$/);
  const png = fs.readFileSync(path.join(root, manifest.icon));
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  assert.ok(fs.existsSync(path.join(root, "extension", "README.md")));
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ["ferry.path"]);
});

test("commands: all in category Ferry, titled, unique", () => {
  assert.equal(new Set(commandIds).size, commandIds.length);
  for (const cmd of c.commands) {
    assert.equal(cmd.category, "Ferry", cmd.command);
    assert.ok(cmd.title, cmd.command);
  }
  for (const title of ["Create Sync Session…", "Forward a Port…", "Start Project Sessions", "Stop Project Sessions", "Pause", "Resume", "Sync Now", "Reset…", "Terminate…", "Compare Versions", "Keep This Machine's Version", "Keep the Remote Version", "Resolve Conflicts…", "Restore from Trash…", "Show Logs", "Restart", "Start", "Locate the ferry Program…"]) {
    assert.ok(c.commands.some((x: { title: string }) => x.title === title), title);
  }
  // What a person reads says nothing of alpha, beta, backend or flush.
  const texts = [...c.commands.map((x: { title: string }) => x.title), ...c.viewsWelcome.map((w: { contents: string }) => w.contents)];
  for (const t of texts) {
    assert.doesNotMatch(t, /\b(alpha|beta|backend|flush)\b/i, t);
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

test("inline actions: Pause/Resume on sessions, the browser on forwards, compare and keep on conflicts", () => {
  const cases: [string, string, string[]][] = [
    ["ferry.sync", "sync-session running", ["ferry.pause"]],
    ["ferry.sync", "sync-session paused", ["ferry.resume"]],
    ["ferry.sync", "sync-session running has-conflicts project", ["ferry.pause"]],
    ["ferry.sync", "conflict local-remote", ["ferry.showConflict", "ferry.keepLocal", "ferry.keepRemote"]],
    ["ferry.sync", "conflict local-local", ["ferry.showConflict", "ferry.keepAlpha", "ferry.keepBeta"]],
    ["ferry.sync", "endpoint local", []],
    ["ferry.forward", "forward-session running browsable", ["ferry.pause", "ferry.openInBrowser"]],
    ["ferry.forward", "forward-session paused", ["ferry.resume"]],
  ];
  for (const [view, cv, want] of cases) {
    assert.deepEqual(inlineActions(view, cv).sort(), [...want].sort(), `${view} ${cv}`);
  }
});

test("context menus: every item has one; the rest of the actions are there", () => {
  const cases: [string, string, string[]][] = [
    ["ferry.sync", "sync-session running has-conflicts", ["ferry.pause", "ferry.flush", "ferry.resolveConflicts", "ferry.restoreFromTrash", "ferry.reset", "ferry.terminate"]],
    ["ferry.sync", "sync-session paused", ["ferry.resume", "ferry.restoreFromTrash", "ferry.reset", "ferry.terminate"]],
    ["ferry.sync", "endpoint local", ["ferry.revealInExplorer", "ferry.openTerminal", "ferry.copyPath"]],
    ["ferry.sync", "endpoint remote", ["ferry.copyPath"]],
    ["ferry.sync", "conflict local-remote", ["ferry.showConflict", "ferry.keepLocal", "ferry.keepRemote", "ferry.revealInExplorer", "ferry.copyPath"]],
    ["ferry.sync", "conflict remote-remote", ["ferry.showConflict", "ferry.keepAlpha", "ferry.keepBeta"]],
    ["ferry.forward", "forward-session running browsable", ["ferry.openInBrowser", "ferry.previewInEditor", "ferry.copyAddress", "ferry.pause", "ferry.terminate"]],
    ["ferry.sync", "project has-file", ["ferry.openProjectFile", "ferry.stopProject"]],
  ];
  for (const [view, cv, want] of cases) {
    assert.deepEqual(contextActions(view, cv).sort(), [...want].sort(), `${view} ${cv}`);
  }
});

test("the keep buttons of a diff's title bar sit together before any other", () => {
  const title = c.menus["editor/title"] as Menu[];
  for (const pair of ["local-remote", "local-local"]) {
    const shown = title.filter((m) => evalWhen(m.when, { resourceScheme: "ferry-conflict", "ferry.activeConflictPair": pair }));
    assert.equal(shown.length, 2, pair);
    const orders = shown.map((m) => Number(/^navigation@(-?\d+)$/.exec(m.group ?? "")?.[1]));
    assert.deepEqual(orders, [-20, -19], "adjacent, and before the order-0 items (Markdown's Open Preview)");
    for (const m of shown) {
      assert.equal(c.commands.find((x: { command: string }) => x.command === m.command).icon, "$(check)", "an icon that says keep");
    }
  }
});

test("settings: ferry.path (a user setting, empty: find it) and ferry.logLevel", () => {
  const p = c.configuration.properties;
  assert.equal(p["ferry.path"].type, "string");
  assert.equal(p["ferry.path"].default, "");
  assert.equal(p["ferry.path"].scope, "application", "shown in the User tab of the settings editor, also with a remote window");
  assert.deepEqual(p["ferry.logLevel"].enum, ["off", "error", "warn", "info", "debug"]);
  assert.equal(p["ferry.logLevel"].default, "info");
});
