// Prompts, logs, the restart policy, a deliberate daemon stop and a missing binary, with a
// fake `ferry --stdio` (dist/test/fake-ferry.js) that does on cue what the real daemon
// does only when an SSH host needs it (or, for daemon/stopping, what it does not send yet).
import { activate, Activated, deactivate, sandbox, Sandbox, statusItem, statusText, vscode, waitFor } from "./helpers";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, afterEach, test } from "node:test";

const fake = path.join(__dirname, "fake-ferry.js");
let sb: Sandbox;
let ext: Activated | undefined;

function scenario(s: object): void {
  sb = sb ?? sandbox();
  const file = path.join(sb.dir, "scenario.json");
  fs.writeFileSync(file, JSON.stringify(s));
  process.env.FAKE_FERRY_SCENARIO = file;
}

function logged(re: RegExp): string | undefined {
  return vscode.recorder.logs.find((l) => re.test(l.message))?.message;
}

afterEach(() => {
  if (ext) {
    deactivate(ext);
    ext = undefined;
  }
  vscode.recorder.logs.length = 0;
  vscode.recorder.messages.length = 0;
  vscode.script.messageRules.length = 0;
  delete process.env.FAKE_FERRY_SCENARIO;
});

after(() => fs.rmSync(sb.dir, { recursive: true, force: true }));

const hostKey = (host: string) => ({
  method: "prompt/hostKey",
  params: {
    host,
    address: "127.0.0.1:2222",
    keyType: "ssh-ed25519",
    fingerprint: `SHA256:fingerprint-of-${host}`,
    message: `The authenticity of host ${host} can't be established.`,
  },
});

test("prompt/hostKey: a modal warning with the fingerprint; Accept and Reject answer the daemon", async () => {
  scenario({ requests: [hostKey("host-a"), hostKey("host-b")] });
  vscode.answerMessages(/host-a/, "Accept");
  vscode.answerMessages(/host-b/, "Reject");
  vscode.setConfiguration("ferry.logLevel", "debug");
  ext = activate(fake);
  await waitFor("both answers", () => vscode.recorder.logs.filter((l) => /^answer prompt\/hostKey/.test(l.message)).length === 2);
  const answers = vscode.recorder.logs.filter((l) => /^answer prompt\/hostKey/.test(l.message)).map((l) => l.message);
  assert.deepEqual(answers, ['answer prompt/hostKey {"accept":true}', 'answer prompt/hostKey {"accept":false}']);
  const shown = vscode.recorder.messages.filter((m) => /authenticity/.test(m.message));
  assert.equal(shown.length, 2);
  for (const m of shown) {
    assert.equal(m.level, "warning");
    assert.equal(m.options?.modal, true);
    assert.deepEqual(m.items, ["Accept", "Reject"]);
    assert.match(m.options?.detail ?? "", /ssh-ed25519 key fingerprint: SHA256:fingerprint-of-host-[ab]/);
  }
  // initialize asked for prompts and for the configured log level.
  const init = JSON.parse(logged(/^initialize /)!.replace(/^initialize /, ""));
  assert.equal(init.prompts, true);
  assert.equal(init.logLevel, "debug");
  assert.equal(init.clientName, "vscode");
  assert.equal(init.protocolVersion, 1);
});

test("prompt/hostKey dismissed: rejected", async () => {
  scenario({ requests: [hostKey("host-c")] });
  ext = activate(fake);
  await waitFor("the answer", () => logged(/^answer prompt\/hostKey/));
  assert.equal(logged(/^answer prompt\/hostKey/), 'answer prompt/hostKey {"accept":false}');
});

test("prompt/secret: a password box for hidden answers, a cancel is an error to the daemon", async () => {
  scenario({
    requests: [
      { method: "prompt/secret", params: { host: "devbox", kind: "password", prompt: "Password:", echo: false } },
      { method: "prompt/secret", params: { host: "devbox", kind: "keyboard-interactive", prompt: "Your code:", echo: true } },
      { method: "prompt/secret", params: { host: "devbox", kind: "passphrase", prompt: "Passphrase for ~/.ssh/id_ed25519:", echo: false } },
    ],
  });
  vscode.script.inputs.push(vscode.typeValue("hunter2"), vscode.typeValue("123456"), () => undefined);
  const before = vscode.recorder.pickers.length;
  ext = activate(fake);
  await waitFor("three answers", () => vscode.recorder.logs.filter((l) => /prompt\/secret/.test(l.message)).length === 3);
  const answers = vscode.recorder.logs.filter((l) => /prompt\/secret/.test(l.message)).map((l) => l.message);
  assert.equal(answers[0], 'answer prompt/secret {"value":"hunter2"}');
  assert.equal(answers[1], 'answer prompt/secret {"value":"123456"}');
  assert.match(answers[2], /^error prompt\/secret -32800 the key passphrase prompt for devbox was cancelled$/);
  const boxes = vscode.recorder.pickers.slice(before).filter((p) => p.kind === "inputBox");
  assert.deepEqual(
    boxes.map((b) => [b.prompt, b.password]),
    [
      ["Password:", true],
      ["Your code:", false],
      ["Passphrase for ~/.ssh/id_ed25519:", true],
    ],
  );
  assert.equal(boxes[0].title, "Ferry: password for devbox");
});

test("log notifications land in the log channel at their level; Show Logs shows it", async () => {
  const time = new Date().toISOString();
  scenario({
    logs: [
      { level: "error", message: "scan failed", session: "sync_x", time },
      { level: "warn", message: "watch limit reached", time },
      { level: "debug", message: "cycle 3", time },
    ],
  });
  ext = activate(fake);
  await waitFor("the debug line", () => logged(/cycle 3/));
  const byMessage = (m: string) => vscode.recorder.logs.find((l) => l.message.includes(m));
  assert.deepEqual(byMessage("scan failed"), { level: "error", message: "[sync_x] scan failed" });
  assert.equal(byMessage("watch limit reached")?.level, "warn");
  assert.equal(byMessage("cycle 3")?.level, "debug");
  await vscode.commands.executeCommand("ferry.showLogs");
  assert.ok(vscode.recorder.executed.some((e) => e.command === "(output channel show)" && e.args[0] === "Ferry"));
});

test("restart policy: 5 crashes in a row stop the backend and offer Restart, which works", async () => {
  const counter = path.join(sandbox().dir, "starts");
  scenario({ crashTimes: 5, counter });
  vscode.answerMessages(/keeps stopping/, "Restart", true);
  ext = activate(fake);
  await waitFor("the stopped status", () => vscode.recorder.statusHistory.some((h) => h.text === "$(error) Ferry stopped"), 30000);
  const stopped = vscode.recorder.messages.find((m) => /keeps stopping/.test(m.message));
  assert.ok(stopped, "an error message offers a restart");
  assert.equal(stopped.level, "error");
  assert.deepEqual(stopped.items, ["Restart", "Show Logs"]);
  assert.match(stopped.message, /fake ferry: crash 5 of 5.*5 crashes within 3 minutes/);
  assert.equal(vscode.recorder.messages.length, 1, "the automatic restarts before giving up show in the status bar, not as toasts");
  assert.equal(vscode.recorder.statusHistory.filter((h) => h.text === "$(loading~spin) Ferry reconnecting").length >= 1, true);
  // The message's Restart was answered: a sixth start, which the fake lets live.
  await waitFor("running after Restart", () => ext!.api.state.backend.state === "running");
  assert.equal(fs.readFileSync(counter, "utf8"), "6");
  assert.equal(statusText(), "$(circle-outline) Ferry idle");
  assert.equal(vscode.recorder.contexts.get("ferry.backend"), "running");
});

test("a missing binary is no crash: one message with Locate ferry…, Open Setting and the install docs; Locate fixes it", async () => {
  vscode.answerMessages(/ferry program|ferry\.path/, undefined);
  const starts = vscode.recorder.statusHistory.length;
  scenario({}); // for the fake that Locate picks
  ext = activate(path.join(sb.dir, "no-such-ferry"));
  await waitFor("the not-found status", () => ext!.api.state.backend.state === "stopped", 30000);
  assert.deepEqual(ext.api.state.backend, {
    state: "stopped",
    cause: "missing",
    reason: `ferry.path is set to ${path.join(sb.dir, "no-such-ferry")}, which is not an executable file`,
  });
  const shown = vscode.recorder.messages.filter((x) => x.level === "error");
  assert.equal(shown.length, 1, "one message, no retries");
  assert.deepEqual(shown[0].items, ["Locate ferry…", "Open Setting", "Install Instructions"]);
  assert.equal(statusText(), "$(error) Ferry not found");
  assert.equal(vscode.recorder.contexts.get("ferry.backend"), "missing", "the welcome view says why");
  assert.equal(vscode.recorder.contexts.get("ferry.pathSet"), true, "...that the setting names a file that is not there");
  assert.ok(!vscode.recorder.statusHistory.slice(starts).some((h) => /reconnecting/.test(h.text)), "never retried");
  // Commands say ferry is not running, and why, instead of hanging.
  await vscode.commands.executeCommand("ferry.keepAlpha");
  const err = vscode.recorder.messages.filter((x) => x.level === "error").pop();
  assert.match(err?.message ?? "", /^Ferry: ferry is not running \(ferry\.path is set to .*no-such-ferry, which is not an executable file\); run "Ferry: Restart"$/);
  // Locate ferry…: a file dialog, whose answer becomes ferry.path, and ferry starts.
  vscode.script.openDialogs.push(fake);
  await vscode.commands.executeCommand("ferry.locate");
  assert.deepEqual(vscode.recorder.updates.pop(), { key: "ferry.path", value: fake, target: vscode.ConfigurationTarget.Global });
  await waitFor("running after Locate", () => ext!.api.state.backend.state === "running");
  assert.equal(ext.api.located?.found && ext.api.located.source, "setting");
});

test("daemon/stopping, then the end: a deliberate stop is honoured (Stopped, a Start button), not restarted", async () => {
  const counter = path.join(sb.dir, "stops");
  scenario({ stopping: { reason: "requested", client: "ferry-cli" }, stoppingTimes: 1, counter });
  ext = activate(fake);
  await waitFor("stopped", () => ext!.api.state.backend.state === "stopped" && statusText() === "$(debug-stop) Ferry stopped", 30000);
  assert.deepEqual(ext.api.state.backend, { state: "stopped", cause: "daemonStopped", reason: "the ferry daemon was stopped by ferry-cli (ferry daemon stop)" });
  assert.equal(fs.readFileSync(counter, "utf8"), "1", "not restarted");
  assert.equal(statusItem().backgroundColor, undefined, "neutral: the person did it");
  assert.equal((statusItem().command as { command: string }).command, "ferry.start");
  assert.equal(vscode.recorder.contexts.get("ferry.backend"), "daemonStopped");
  assert.deepEqual(vscode.recorder.messages, [], "no toast");
  // Start (the status bar item's, or the welcome view's button).
  await vscode.commands.executeCommand("ferry.start");
  await waitFor("running after Start", () => ext!.api.state.backend.state === "running");
  assert.equal(fs.readFileSync(counter, "utf8"), "2");
});
