// Project files in the editor, against the real `bin/ferry --stdio` and `bin/ferry project`:
// the offer when the open folder has a ferry.yml, Start Project Sessions (labels and
// names as the CLI derives them, a sync and a forward that work), a second start
// refused, Stop Project Sessions and the welcome view, a project started by the CLI
// stopped from the editor, a broken file shown at its line, an entry that cannot be
// created rolled back, and a ferry.yml that appears later.
import { activate, Activated, cleanup, deactivate, directClient, errorsShown, evalWhen, ferryBin, manifest, run, sandbox, Sandbox, statusText, vscode, waitFor } from "./helpers";
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { after, before, test } from "node:test";
import { freePort } from "../src/core/ports";
import { LABEL_DIGEST, LABEL_PROJECT, projectId, projectSessionName, projectSessions } from "../src/core/project";

let sb: Sandbox;
let ext: Activated;
let direct: Awaited<ReturnType<typeof directClient>>;
let dir: string; // the workspace folder, as the workspace names it
let canonical: string; // the same, symbolic links resolved
let id: string;
let service: http.Server;
let servicePort: number;
let localPort: number;
let yml: string;

before(async () => {
  sb = sandbox();
  dir = path.join(sb.dir, "web");
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "app.ts"), "export const app = 1;\n");
  fs.mkdirSync(path.join(dir, "node_modules", "dep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "node_modules", "dep", "index.js"), "ignored\n");
  canonical = fs.realpathSync.native(dir);
  id = projectId(canonical);
  service = http.createServer((_req, res) => res.end("hello from the service\n"));
  await new Promise<void>((r) => service.listen(0, "127.0.0.1", r));
  servicePort = (service.address() as net.AddressInfo).port;
  localPort = await freePort();
  yml = [
    "sync:",
    "  code:",
    "    beta: ../web-copy",
    "    ignore: [node_modules/]",
    "    labels: {team: web}",
    "forward:",
    "  app:",
    `    source: tcp:127.0.0.1:${localPort}`,
    `    destination: tcp:127.0.0.1:${servicePort}`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "ferry.yml"), yml);
  vscode.setWorkspaceFolders([dir]);
  vscode.answerMessages(/^Ferry: web has a ferry\.yml; start the sessions it declares\?$/, "Start Project Sessions", true);
  ext = activate();
  await ext.api.whenReady();
  direct = await directClient(sb);
});

after(() => {
  direct?.close();
  if (ext) {
    deactivate(ext);
  }
  service?.close();
  cleanup(sb);
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

function cli(...args: string[]): string {
  return execFileSync(ferryBin, args, { env: sb.env, encoding: "utf8" });
}

const mine = () => projectSessions(ext.api.state, id);
const daemonHas = () => projectSessions(direct.store.state, id);
const startable = () => vscode.recorder.contexts.get("ferry.projectStartable");

test("offered when the folder has a ferry.yml; Start creates every session, labelled and named as the CLI does", async () => {
  const offer = await waitFor("the offer", () => vscode.recorder.messages.find((m) => /has a ferry\.yml/.test(m.message)));
  assert.deepEqual(offer.items, ["Start Project Sessions", "Not Now"]);
  assert.equal(offer.answer, "Start Project Sessions");

  await waitFor("the project's sessions in the editor", () => mine().sync.length === 1 && mine().forward.length === 1);
  await waitFor("the started message", () => vscode.recorder.messages.find((m) => m.message === "Ferry: started 1 sync session and 1 forward of web/ferry.yml."));
  const [s] = mine().sync;
  const [f] = mine().forward;
  assert.equal(s.name, projectSessionName(canonical, "code"));
  assert.equal(f.name, projectSessionName(canonical, "app"));
  assert.equal(s.labels?.[LABEL_PROJECT], id);
  assert.equal(s.labels?.team, "web");
  assert.match(s.labels?.[LABEL_DIGEST] ?? "", /^[0-9a-f]{12}$/);
  assert.equal(s.alpha.url, canonical);
  assert.equal(s.beta.url, path.join(path.dirname(canonical), "web-copy"));
  assert.deepEqual(s.config.ignores, ["node_modules/"]);

  // The CLI sees the same project (its label and names derive from the same folder).
  const listing = JSON.parse(cli("project", "list", "--json", dir));
  assert.equal(listing.id, id);
  assert.deepEqual(listing.sync.map((x: { id: string }) => x.id), [s.id]);
  assert.deepEqual(listing.forward.map((x: { id: string }) => x.id), [f.id]);

  await waitFor("watching", () => mine().sync[0]?.status === "watching" && statusText() === "$(eye) Ferry watching");
  assert.equal(fs.readFileSync(path.join(sb.dir, "web-copy", "src", "app.ts"), "utf8"), "export const app = 1;\n");
  assert.ok(!fs.existsSync(path.join(sb.dir, "web-copy", "node_modules")), "ignored");
  assert.equal(await get(localPort), "hello from the service\n");
  await waitFor("not startable any more", () => startable() === false);
  assert.deepEqual(errorsShown(), []);
  assert.deepEqual(vscode.recorder.unexpected, []);
});

test("a second start is refused and changes nothing", async () => {
  const before = mine();
  const result = await run("ferry.startProject");
  assert.equal(result, undefined);
  const warning = await waitFor("the warning", () => vscode.recorder.messages.find((m) => m.level === "warning" && /already started/.test(m.message)));
  assert.equal(warning.message, "Ferry: the sessions of web/ferry.yml are already started (1 sync session and 1 forward); stop them first to start them again.");
  assert.deepEqual(warning.items, ["Stop Project Sessions"]);
  assert.deepEqual(mine().sync.map((s) => s.id), before.sync.map((s) => s.id));
  assert.deepEqual(mine().forward.map((s) => s.id), before.forward.map((s) => s.id));
  assert.deepEqual(errorsShown(), []);
});

test("Stop Project Sessions terminates them; the Sync view's welcome offers Start again", async () => {
  const stopped = (await run("ferry.stopProject")) as { sync: number; forward: number };
  assert.deepEqual(stopped, { sync: 1, forward: 1 });
  await waitFor("gone from the daemon", () => daemonHas().sync.length === 0 && daemonHas().forward.length === 0);
  await waitFor("gone from the editor", () => mine().sync.length === 0 && mine().forward.length === 0);
  assert.ok(vscode.recorder.messages.some((m) => m.message === "Ferry: stopped 1 sync session and 1 forward of web/ferry.yml; the files stay as they are."));
  await waitFor("startable again", () => startable() === true);
  const welcome = (manifest.contributes.viewsWelcome as { view: string; contents: string; when: string }[]).find((w) =>
    w.contents.includes("command:ferry.startProject"),
  );
  assert.ok(welcome && welcome.view === "ferry.sync");
  assert.equal(evalWhen(welcome.when, { "ferry.backend": "running", "ferry.projectStartable": "true" }), true);
  assert.equal(evalWhen(welcome.when, { "ferry.backend": "running", "ferry.projectStartable": "false" }), false);
  assert.equal(vscode.recorder.messages.filter((m) => /has a ferry\.yml/.test(m.message)).length, 1, "offered once per window");
  assert.ok(fs.existsSync(path.join(sb.dir, "web-copy", "src", "app.ts")), "the files stay");
  await assert.rejects(get(localPort), "the forward no longer listens");
});

test("a project started with the CLI shows in the editor and is stopped from it", async () => {
  const out = cli("project", "start", dir);
  assert.match(out, /Started 1 sync session and 1 forward\./);
  await waitFor("the CLI's sessions in the editor", () => mine().sync.length === 1 && mine().forward.length === 1);
  await waitFor("not startable", () => startable() === false);
  await run("ferry.stopProject", vscode.Uri.file(path.join(dir, "ferry.yml")));
  await waitFor("stopped", () => daemonHas().sync.length + daemonHas().forward.length === 0);
  assert.match(cli("project", "list", dir), /Not started/);
});

test("a broken ferry.yml: the problem at its line, a button that opens it there, nothing created", async () => {
  fs.writeFileSync(path.join(dir, "ferry.yml"), "sync:\n  code:\n    beta: ../web-copy\n    ignores: [node_modules/]\n    mode: sideways\n");
  vscode.answerMessages(/unknown key/, "Open ferry.yml", true);
  await run("ferry.startProject");
  const file = path.join(canonical, "ferry.yml");
  const shown = await waitFor("the error", () => vscode.recorder.messages.find((m) => m.level === "error"));
  assert.equal(
    shown.message,
    `Ferry: ${file}:4: sync "code": unknown key "ignores"; did you mean "ignore"? (and 1 more problem: see Ferry: Show Logs)`,
  );
  assert.deepEqual(shown.items, ["Open ferry.yml"]);
  const opened = await waitFor("ferry.yml opened", () => vscode.recorder.shownDocuments.find((d) => d.path === file));
  assert.equal(opened.line, 3, "at the problem's line");
  assert.ok(vscode.recorder.logs.some((l) => l.level === "error" && l.message === `${file}:5: sync "code": mode "sideways" is not a mode; use two-way-safe (the default), two-way-resolved, one-way-safe or one-way-replica`));
  assert.equal(daemonHas().sync.length + daemonHas().forward.length, 0);
  const listed = await direct.backend.request("sync/list", { labelSelector: `ferry-project=${id}` });
  assert.deepEqual(listed.sessions, []);
  vscode.recorder.messages.length = 0;
});

test("an entry that cannot be created: those before it are terminated, the message names it", async () => {
  fs.writeFileSync(
    path.join(dir, "ferry.yml"),
    ["sync:", "  good:", "    beta: ../good-copy", "  broken:", "    beta: 127.0.0.1:1:/srv/x", ""].join("\n"),
  );
  await run("ferry.startProject", vscode.Uri.file(dir));
  const shown = await waitFor("the error", () => vscode.recorder.messages.find((m) => m.level === "error"));
  assert.match(
    shown.message,
    new RegExp(
      `^Ferry: ${reEscape(path.join(canonical, "ferry.yml"))}:4: sync "broken" \\(${reEscape(canonical)} ⇄ 127\\.0\\.0\\.1:1:/srv/x\\): beta: .*cannot reach.*; ` +
        `nothing was started \\(terminated the 1 session already created\\)$`,
    ),
  );
  await waitFor("nothing left", () => daemonHas().sync.length + daemonHas().forward.length === 0);
  const listed = await direct.backend.request("sync/list", { labelSelector: `ferry-project=${id}` });
  assert.deepEqual(listed.sessions, []);
  assert.ok(fs.existsSync(path.join(sb.dir, "good-copy")), "the first session had created its root; files stay");
  vscode.recorder.messages.length = 0;
});

test("hooks run around start and stop, in the folder, output in the log; not in an untrusted workspace", async () => {
  const hooksLog = path.join(sb.dir, "hooks.log");
  fs.writeFileSync(
    path.join(dir, "ferry.yml"),
    [
      "sync:",
      "  code:",
      "    beta: ../hooked-copy",
      "beforeCreate:",
      "  - echo before >> ../hooks.log; echo said by the hook",
      "flushOnCreate: true",
      "afterCreate:",
      "  - test -f ../hooked-copy/src/app.ts && echo after-flushed >> ../hooks.log",
      "beforeTerminate: [echo beforeTerminate >> ../hooks.log]",
      "afterTerminate: [echo afterTerminate >> ../hooks.log; exit 4]",
      "",
    ].join("\n"),
  );
  vscode.workspace.isTrusted = false;
  try {
    assert.equal(await run("ferry.startProject", vscode.Uri.file(dir)), undefined);
  } finally {
    vscode.workspace.isTrusted = true;
  }
  const refused = await waitFor("the warning", () => vscode.recorder.messages.find((m) => m.level === "warning" && /has hooks/.test(m.message)));
  assert.match(refused.message, /trust this workspace to run them, or start the project with "ferry project start" in a terminal/);
  assert.equal(fs.existsSync(hooksLog), false, "no hook ran");
  assert.equal(daemonHas().sync.length, 0, "nothing was started");

  const started = (await run("ferry.startProject", vscode.Uri.file(dir))) as { sync: unknown[] } | undefined;
  assert.equal(started?.sync.length, 1);
  assert.equal(fs.readFileSync(hooksLog, "utf8"), "before\nafter-flushed\n", "in order, afterCreate after the flush");
  assert.ok(vscode.recorder.logs.some((l) => l.message === "web/ferry.yml:   said by the hook"), "the hook's output is in the log");

  await run("ferry.stopProject", vscode.Uri.file(dir));
  await waitFor("stopped", () => daemonHas().sync.length === 0);
  assert.equal(fs.readFileSync(hooksLog, "utf8"), "before\nafter-flushed\nbeforeTerminate\nafterTerminate\n");
  const failed = vscode.recorder.messages.find((m) => m.level === "error" && /afterTerminate hook/.test(m.message));
  assert.equal(failed?.message, `Ferry: ${path.join(canonical, "ferry.yml")}:10: afterTerminate hook "echo afterTerminate >> ../hooks.log; exit 4" exited with status 4 (the sessions were terminated anyway)`);
  vscode.recorder.messages.length = 0;
  fs.rmSync(hooksLog);
});

test("a ferry.yml that appears in another folder of the workspace is offered too", async () => {
  const other = path.join(sb.dir, "api");
  fs.mkdirSync(other);
  vscode.setWorkspaceFolders([dir, other]);
  vscode.answerMessages(/^Ferry: api has a ferry\.yml/, "Not Now", true);
  assert.equal(vscode.recorder.messages.filter((m) => /api has a ferry\.yml/.test(m.message)).length, 0);
  fs.writeFileSync(path.join(other, "ferry.yml"), "sync:\n  docs:\n    beta: ../api-copy\n");
  vscode.fileEvent("create", path.join(other, "ferry.yml"));
  const offer = await waitFor("the offer for api", () => vscode.recorder.messages.find((m) => /api has a ferry\.yml/.test(m.message)));
  assert.equal(offer.answer, "Not Now");
  assert.equal(projectSessions(direct.store.state, projectId(fs.realpathSync.native(other))).sync.length, 0, "not started");
  assert.equal(startable(), true);

  // With two candidates, the command asks which folder; the api one starts.
  fs.writeFileSync(path.join(dir, "ferry.yml"), yml);
  vscode.script.quickPicks.push(vscode.pickLabel("api"));
  const started = (await run("ferry.startProject")) as { sync: { name: string }[] };
  const picker = vscode.recorder.pickers.find((p) => p.title === "Ferry: Start Project Sessions");
  assert.deepEqual(picker?.labels, ["web", "api"]);
  assert.equal(started.sync[0].name, projectSessionName(fs.realpathSync.native(other), "docs"));
  await waitFor("api's session watching", () => Object.values(ext.api.state.sync).some((x) => x.name === started.sync[0].name && x.status === "watching"));
  assert.equal(startable(), true, "web's project is still startable");
  await run("ferry.stopProject");
  await waitFor("stopped", () => Object.keys(direct.store.state.sync).length === 0);
  assert.deepEqual(errorsShown(), []);
  assert.deepEqual(vscode.recorder.unexpected, []);
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
