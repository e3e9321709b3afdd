// The first run as a person has it: the extension installed from a platform-specific
// VSIX (ferry inside it, without its executable bit, as an unzip may leave it), no
// ferry.path, and no ferry on the PATH VS Code gave the extension host. It starts the
// shipped ferry, syncs, and the status bar and the welcome state follow.
import { activate, Activated, cleanup, deactivate, ferryBin, root, run, sandbox, Sandbox, statusText, vscode, waitFor } from "./helpers";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, before, test } from "node:test";

let sb: Sandbox;
let ext: Activated;
let installed: string;
let savedPath: string | undefined;

before(() => {
  sb = sandbox();
  // An installed extension: the manifest and bundle, and dist/bin/ferry with its agents.
  installed = path.join(sb.dir, "extensions", "ferrysync.ferry-0.1.0");
  fs.mkdirSync(path.join(installed, "dist", "bin", "agents"), { recursive: true });
  fs.copyFileSync(path.join(root, "dist", "extension.js"), path.join(installed, "dist", "extension.js"));
  fs.copyFileSync(ferryBin, path.join(installed, "dist", "bin", "ferry"));
  fs.chmodSync(path.join(installed, "dist", "bin", "ferry"), 0o644);
  for (const a of fs.readdirSync(path.join(root, "bin", "agents"))) {
    fs.copyFileSync(path.join(root, "bin", "agents", a), path.join(installed, "dist", "bin", "agents", a));
  }
  // The extension host's PATH, rebuilt from a login shell: no ferry on it.
  savedPath = process.env.PATH;
  process.env.PATH = "/usr/bin:/bin";
  vscode.setWorkspaceFolders([sb.dir]);
  ext = activate("", installed);
  process.env.PATH = savedPath;
});

after(() => {
  if (ext) {
    deactivate(ext);
  }
  cleanup(sb);
});

test("first run: the ferry shipped in the VSIX is found, made executable and started", async () => {
  await ext.api.whenReady();
  await waitFor("running", () => ext.api.state.backend.state === "running");
  assert.deepEqual(ext.api.located, { found: true, path: path.join(installed, "dist", "bin", "ferry"), source: "bundled" });
  assert.ok((fs.statSync(path.join(installed, "dist", "bin", "ferry")).mode & 0o111) !== 0, "the executable bit is back");
  assert.equal(statusText(), "$(circle-outline) Ferry idle");
  assert.equal(vscode.recorder.contexts.get("ferry.backend"), "running");
  assert.ok(vscode.recorder.logs.some((l) => l.message.includes("shipped with the extension")), "the log says which ferry runs");
  // It works: a session between two local folders.
  const a = path.join(sb.dir, "first");
  fs.mkdirSync(a);
  fs.writeFileSync(path.join(a, "hello.txt"), "hello\n");
  vscode.script.quickPicks.push(vscode.pickLabel("Local folder"), vscode.pickLabel("two-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue(`${a}-copy`));
  const created = (await run("ferry.createSyncSession", vscode.Uri.file(a))) as { id: string } | undefined;
  assert.ok(created);
  await waitFor("synced", () => fs.existsSync(path.join(`${a}-copy`, "hello.txt")) && statusText() === "$(eye) Ferry watching");
  assert.deepEqual(vscode.recorder.messages.filter((m) => m.level === "error"), []);
});
