// The extension in a real VS Code (code-server) driven through headless Chromium, the way
// a person meets it (issue 12): the first run with ferry only inside the platform VSIX;
// the four-step Create Sync Session; a large first sync with its progress notification;
// a calm pause; a conflict marked in the Explorer, compared in a diff and resolved from
// the diff's title bar (the diff closes); the replaced version restored from the trash; a
// session to a throwaway OpenSSH sshd on 127.0.0.1 (host key accepted in the editor),
// the host down and back; a forward shown by the name of its remote process; a
// ferry.yml's sessions offered, grouped, started and stopped; a missing binary and its
// fix from the message; a deliberate `ferry daemon stop`. Every step asserts what is on
// screen (texts, theme classes, open editors) and keeps a screenshot in FERRY_E2E_OUT.
// Run by scripts/extension-e2e.sh, which provides (environment):
//   FERRY_E2E_NODE24, FERRY_E2E_CODE_SERVER, FERRY_E2E_VSIX (the linux-x64 one),
//   FERRY_E2E_FERRY, FERRY_E2E_OUT.
// Every wait is on page state or a file's content, never a fixed delay.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as http from "http";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { after, before, test } from "node:test";
import { chromium, Browser, Locator, Page } from "playwright-core";
import { SSHD, startSSHD } from "../test/sshd";
import { projectId, projectSessionName } from "../src/core/project";

const need = (name: string) => {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run scripts/extension-e2e.sh`);
  }
  return v;
};
const node24 = need("FERRY_E2E_NODE24");
const codeServer = need("FERRY_E2E_CODE_SERVER");
const vsix = need("FERRY_E2E_VSIX");
const ferry = need("FERRY_E2E_FERRY");
const out = need("FERRY_E2E_OUT");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-"));
const home = path.join(tmp, "home");
const dataDir = path.join(tmp, "ferry-data");
const userData = path.join(tmp, "user-data");
const extensions = path.join(tmp, "extensions");
const alpha = path.join(tmp, "project");
const beta = `${alpha}-copy`;
// The PATH VS Code gets: no ferry on it (the first run finds the one in the VSIX).
const searchPath = [path.dirname(node24), ...(process.env.PATH ?? "").split(":").filter((d) => d && !fs.existsSync(path.join(d, "ferry")))].join(":");
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  FERRY_DATA_DIR: dataDir,
  PATH: searchPath,
  XDG_DATA_HOME: path.join(home, ".local", "share"),
  XDG_CONFIG_HOME: path.join(home, ".config"),
};
const settingsFile = path.join(userData, "User", "settings.json");
const baseSettings = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "ferry.logLevel": "info",
};

let server: ChildProcess | undefined;
let serverLog = "";
let browser: Browser | undefined;
let page: Page;
let sshd: SSHD | undefined;
let service: http.Server | undefined;
let step = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Waits until the Ferry output channel's file has a line matching re (checked as the file grows). */
async function logSays(re: RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!re.test(extensionLog())) {
    if (Date.now() > deadline) {
      throw new Error(`the Ferry log never said ${re}:\n${extensionLog()}`);
    }
    // Re-read when the logs folder changes, or after a moment at most.
    await new Promise<void>((resolve) => {
      const w = fs.watch(path.join(userData, "logs"), { recursive: true }, () => done());
      const t = setTimeout(() => done(), 250);
      const done = () => {
        w.close();
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** Keeps a numbered screenshot of the step. */
async function shot(name: string): Promise<void> {
  step++;
  await page.screenshot({ path: path.join(out, `${String(step).padStart(2, "0")}-${name}.png`) });
}

/** The Ferry status bar item, by its text. */
function status(text: string | RegExp): Locator {
  return page.locator(".statusbar-item", { hasText: text }).first();
}

/** The theme class of a status bar item's background: "warning", "error" or "" (normal). */
async function tone(item: Locator): Promise<string> {
  const cls = (await item.getAttribute("class")) ?? "";
  return /\berror-kind\b/.test(cls) ? "error" : /\bwarning-kind\b/.test(cls) ? "warning" : "";
}

async function palette(command: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${command}`);
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: command }).first().waitFor();
  await page.keyboard.press("Enter");
}

const widget = () => page.locator(".quick-input-widget");

/**
 * Answers the quick pick whose title has titleHas by filtering for text and taking the
 * first match. The title is what tells a command's pick from the palette that opened it:
 * VS Code reuses one widget for both, and typing before the pick replaced the palette
 * types into the palette.
 */
async function pick(text: string, titleHas: string): Promise<void> {
  await widget().locator(".quick-input-title", { hasText: titleHas }).waitFor();
  const input = widget().locator(".quick-input-box input");
  await input.fill(text);
  await widget().locator(".monaco-list-row", { hasText: text }).first().waitFor();
  await page.keyboard.press("Enter");
}

/** Waits for the quick input whose title (with its step count) has text. */
async function titled(text: string | RegExp): Promise<void> {
  await widget().locator(".quick-input-title", { hasText: text }).first().waitFor();
}

/**
 * A page expression: whether the Explorer's row of name shows the "!" badge (decorations
 * are drawn by CSS, as ::after content); null while the row is not there.
 */
function badged(name: string): string {
  return `(() => {
    const row = [...document.querySelectorAll(".explorer-folders-view .monaco-list-row")].find((e) => (e.textContent || "").includes(${JSON.stringify(name)}));
    return row ? [...row.querySelectorAll("*")].some((e) => getComputedStyle(e, "::after").content === '"!"') : null;
  })()`;
}

/** The colour a theme colour id ("list.warningForeground") has on the page, as computed styles write it. */
async function themeColor(id: string): Promise<string> {
  return page.evaluate(`(() => {
    const e = document.createElement("span");
    e.style.color = "var(--vscode-${id.replace(/\./g, "-")})";
    (document.querySelector(".monaco-workbench") || document.body).appendChild(e);
    const c = getComputedStyle(e).color;
    e.remove();
    return c;
  })()`) as Promise<string>;
}

/** The colour an icon in a tree row is drawn in ("" when it has none of its own). */
async function iconColor(icon: Locator): Promise<string> {
  return ((await icon.getAttribute("style")) ?? "").match(/color:\s*([^;]+)/)?.[1]?.trim() ?? "";
}

/** Chooses label in target's context menu (hovered, then Enter: a click can land before the menu takes it). */
async function contextMenu(target: Locator, label: string): Promise<void> {
  await target.click({ button: "right" });
  const item = page.locator(".context-view .action-item", { hasText: label }).first();
  await item.waitFor();
  await item.hover();
  await page.keyboard.press("Enter");
  await item.waitFor({ state: "detached" });
}

/** The rows of the Ferry views. */
const rows = () => page.locator(".pane-body .monaco-list-row");
const row = (text: string) => rows().filter({ hasText: text }).first();

/** Opens the Ferry view from the activity bar, as a person does the first time. */
async function openFerryView(): Promise<void> {
  const header = page.locator(".pane-header", { hasText: "Sync" }).first();
  if (await header.isVisible()) {
    return; // a second click would hide it
  }
  await page.locator('.activitybar .action-item .action-label[aria-label^="Ferry"]').first().click();
  await page.locator(".pane-header", { hasText: "Sync" }).first().waitFor();
}

/** Waits until a file holds what want says (the daemon writes it). */
async function fileHas(file: string, want: (text: string) => boolean): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 90_000;
    const check = () => {
      let text = "";
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        // not there yet
      }
      if (want(text)) {
        resolve();
      } else if (Date.now() > deadline) {
        reject(new Error(`timed out waiting for ${file}`));
      } else {
        fs.watchFile(file, { interval: 200 }, function again() {
          fs.unwatchFile(file, again);
          check();
        });
      }
    };
    check();
  });
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The Ferry output channel's log file, as code-server writes it. */
function extensionLog(): string {
  return filesUnder(path.join(userData, "logs"))
    .filter((f) => /Ferry\.log$/.test(f))
    .map((f) => fs.readFileSync(f, "utf8"))
    .join("\n");
}

before(async () => {
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(tmp, "sshd"), { recursive: true });
  fs.mkdirSync(out, { recursive: true });
  fs.mkdirSync(path.join(alpha, "src"), { recursive: true });
  for (let i = 0; i < 20; i++) {
    fs.writeFileSync(path.join(alpha, "src", `module${i}.ts`), `export const n${i} = ${i};\n`);
  }
  // Large enough for the first sync's progress notification (64 MiB and more) and
  // for the status bar's percentage to be seen.
  for (let i = 0; i < 8; i++) {
    fs.writeFileSync(path.join(alpha, `data-${i}.bin`), randomBytes(48 << 20));
  }
  // The SSH host: ~/.ssh/config (in the temp HOME) names it devbox; known_hosts does not
  // know its key yet.
  sshd = await startSSHD(path.join(tmp, "sshd"), home);
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  // No ferry.path anywhere: the first run uses the ferry inside the VSIX.
  fs.writeFileSync(settingsFile, JSON.stringify(baseSettings, null, 2));
  assert.notEqual(spawnSync("sh", ["-c", "command -v ferry"], { env }).status, 0, "no ferry on the PATH code-server gets");
  execFileSync(codeServer, ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix], {
    env,
    stdio: "pipe",
  });
  const installed = fs.readdirSync(extensions).find((d) => d.startsWith("ferrysync.ferry-"));
  assert.ok(installed, "the vsix is installed");
  assert.ok(fs.existsSync(path.join(extensions, installed, "dist", "bin", "ferry")), "with ferry inside it");

  const port = await freePort();
  server = spawn(
    codeServer,
    [
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--user-data-dir", userData,
      "--extensions-dir", extensions,
      alpha,
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      serverLog += d;
      if (/HTTP server listening/.test(serverLog)) {
        resolve();
      }
    };
    server!.stdout!.on("data", onData);
    server!.stderr!.on("data", onData);
    server!.once("exit", (code) => reject(new Error(`code-server exited (${code}):\n${serverLog}`)));
  });
  await listening;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.setDefaultTimeout(90_000);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(alpha)}`);
});

after(async () => {
  await browser?.close();
  sshd?.stop();
  service?.close();
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  spawnSync(ferry, ["daemon", "stop"], { env, timeout: 20_000 });
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs a flow; on failure, keeps what the page showed and what code-server, sshd, the daemon and the extension said. */
/** What a failure leaves behind for a reader of CI's output: the toasts, the status bar and the logs' last lines. */
async function failureContext(extensionLogs: string[]): Promise<string> {
  const texts = async (selector: string) => (await page?.locator(selector).allInnerTexts().catch(() => [] as string[])) ?? [];
  const tail = (file: string, n: number) => {
    try {
      return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
    } catch (err) {
      return `(${file}: ${(err as Error).message})`;
    }
  };
  return [
    `toasts: ${JSON.stringify(await texts(".notification-toast"))}`,
    `status bar: ${JSON.stringify((await texts(".statusbar-item")).filter((t) => /ferry/i.test(t)))}`,
    ...extensionLogs.map((f) => `--- ${path.basename(f)}, last lines\n${tail(f, 25)}`),
    `--- daemon.log, last lines\n${tail(path.join(dataDir, "daemon.log"), 25)}`,
  ].join("\n");
}

async function recorded(name: string, flow: () => Promise<void>): Promise<void> {
  try {
    await flow();
  } catch (e) {
    await page?.screenshot({ path: path.join(out, `failure-${name}.png`) }).catch(() => undefined);
    fs.writeFileSync(path.join(out, "code-server.log"), serverLog);
    fs.writeFileSync(path.join(out, "sshd.log"), sshd?.log() ?? "");
    const keep = (from: string, to: string) => fs.promises.copyFile(from, path.join(out, to)).catch(() => undefined);
    await keep(path.join(dataDir, "daemon.log"), "daemon.log");
    const logs = filesUnder(path.join(userData, "logs")).filter((f) => /ferry/i.test(f));
    for (const f of logs) {
      await keep(f, `extension-${path.basename(f)}`);
    }
    // CI keeps only the test's output: what the page and the logs said goes into the error.
    if (e instanceof Error) {
      e.message += `\n${await failureContext(logs)}`;
    }
    throw e;
  }
}

// The daemon of this build says daemon/stopping before a deliberate stop (the server
// side of issue 12); an older one does not, and the extension cannot tell its stop from
// a crash: that step is then skipped, and says why.
const stopsOnPurpose = fs.readFileSync(ferry).includes("daemon/stopping");

test("first run: ferry only inside the VSIX, nothing to set up", () => recorded("first-run", firstRun));
test("create a local sync session in four steps; the first sync's progress; watching", () => recorded("create", createFlow));
test("pause is calm: neutral, paused, never red", () => recorded("pause", pauseFlow));
test("a conflict: marked in the Explorer, compared, kept from the diff's title bar, the diff closes", () => recorded("conflict", conflictFlow));
test("restore the replaced version from the trash", () => recorded("trash", trashFlow));
test("a sync session with an SSH host: the host key accepted in the editor, syncing then watching", () => recorded("ssh", sshFlow));
test("the host goes down and comes back: reconnecting to devbox (a warning), then watching", () => recorded("host-down", hostDownFlow));
test("Forward a Port: the forward is shown by the name of its remote process", () => recorded("forward", forwardFlow));
test("a ferry.yml appears: its sessions are offered, started, grouped under it, and stopped", () => recorded("project", projectFlow));
test("a missing ferry: one message, the setting in the User tab, fixed without a reload", () => recorded("missing", missingFlow));
test(
  "ferry daemon stop: shown as stopped with a Start button, not restarted; Start brings it back",
  { skip: stopsOnPurpose ? false : "this ferry daemon does not send daemon/stopping yet, so a deliberate stop looks like a crash" },
  () => recorded("daemon-stop", daemonStopFlow),
);

async function firstRun(): Promise<void> {
  // A person opens the Ferry view from the activity bar: that activates the extension.
  await openFerryView();
  await status("Ferry idle").waitFor();
  assert.equal(await tone(status("Ferry idle")), "");
  await page.locator(".pane-body", { hasText: "No sync sessions yet" }).first().waitFor();
  await shot("first-run");
  // It runs the ferry shipped in the VSIX, and its log says so (once the log reaches its file).
  await logSays(/starting \S+\/extensions\/ferrysync\.ferry-[^/]+\/dist\/bin\/ferry --stdio \(shipped with the extension\)/);
  assert.doesNotMatch(extensionLog(), /crash|not found/i);
}

async function createFlow(): Promise<void> {
  await palette("Ferry: Create Sync Session");
  await titled(/sync project with.*1\/4|1\/4.*sync project with/);
  await shot("create-step-1");
  await pick("Local folder", "1/4");
  // Step 2: the suggested "<folder>-copy", a Browse… button and Back.
  await titled("2/4");
  const input = widget().locator(".quick-input-box input");
  await widget().locator(".quick-input-message", { hasText: "Absolute path of the other folder" }).waitFor();
  assert.equal(await input.inputValue(), beta);
  await widget().locator('.quick-input-titlebar .action-label[aria-label^="Browse…"]').waitFor();
  await widget().locator('.quick-input-titlebar .action-label[aria-label^="Back"]').waitFor();
  await shot("create-step-2");
  await page.keyboard.press("Enter");
  await titled("3/4");
  await widget().locator(".monaco-list-row", { hasText: "two-way-safe" }).first().waitFor();
  await page.keyboard.press("Enter");
  // Step 4: what to leave out; version control and node_modules/ are chosen already.
  await titled("4/4");
  const checked = async (label: string) =>
    (await widget().locator(".monaco-list-row", { hasText: label }).first().getAttribute("aria-checked")) === "true";
  await widget().locator(".monaco-list-row", { hasText: "Version control" }).first().waitFor();
  assert.deepEqual([await checked("Version control"), await checked("node_modules/"), await checked("Build output")], [true, true, false]);
  await shot("create-step-4");
  // While the copy runs: the status bar's figure, and a progress notification with bytes
  // and time left (a large first sync), waited for together from before it starts. (The
  // row's figure equals the status bar's: extension.test.ts checks it; a local copy is
  // too quick here for a throttled row to be caught reliably.)
  const progress = page.locator(".notification-toast", { hasText: "Ferry: first sync of project ⇄" });
  const during = Promise.all([
    status(/Ferry (\d+%|syncing)/).waitFor(),
    progress.locator(".notification-list-item-message", { hasText: / MB of \d+ MB, \d+ of \d+ files/ }).first().waitFor(),
  ]);
  await page.keyboard.press("Enter");
  await during;
  await shot("first-sync-progress");
  await status("Ferry watching").waitFor();
  await progress.waitFor({ state: "detached" });
  assert.equal(fs.readFileSync(path.join(beta, "src", "module7.ts"), "utf8"), "export const n7 = 7;\n");
  const r = row(`project ⇄ ${beta}`);
  await r.waitFor();
  await row(`project: ${alpha}`).waitFor();
  await row(`project-copy: ${beta}`).waitFor();
  await r.locator(".label-description", { hasText: "watching" }).waitFor({ state: "attached" });
  await shot("watching");
}

async function pauseFlow(): Promise<void> {
  // Pause from the row's inline button.
  const r = row(`project ⇄ ${beta}`);
  await r.hover();
  await r.locator('.action-label[aria-label="Pause"]').click();
  await status("Ferry paused").waitFor();
  assert.equal(await tone(status("Ferry paused")), "", "a pause is not a warning");
  // The status bar and the tree render the same state separately: wait for the row too.
  const paused = rows().filter({ hasText: `project ⇄ ${beta}` }).filter({ hasText: "paused" }).first();
  await paused.waitFor();
  assert.doesNotMatch(await paused.innerText(), /disconnected/);
  // Neutral icons: the row's and its sides' pause icons carry no colour.
  const icon = r.locator(".codicon-debug-pause").first();
  await icon.waitFor();
  assert.equal(await iconColor(icon), "", "no colour on a paused session");
  await row(`project: ${alpha}`).locator(".codicon-debug-pause").waitFor();
  await shot("paused");
}

async function conflictFlow(): Promise<void> {
  // Conflicting edits made on disk while the session is paused.
  fs.writeFileSync(path.join(alpha, "notes.txt"), "written here\n");
  fs.writeFileSync(path.join(beta, "notes.txt"), "written in the copy\n");
  const r = row(`project ⇄ ${beta}`);
  await r.hover();
  await r.locator('.action-label[aria-label="Resume"]').click();
  await status("Ferry 1 conflict").waitFor();
  assert.equal(await tone(status("Ferry 1 conflict")), "warning");
  const conflict = row("notes.txt");
  await conflict.waitFor();
  assert.match(await conflict.innerText(), /project: file, 13 B · project-copy: file, 20 B/);
  // The Explorer marks the file, with a tooltip naming the sides.
  await palette("View: Show Explorer");
  const file = page.locator(".explorer-folders-view .monaco-list-row", { hasText: "notes.txt" }).first();
  await file.waitFor();
  // The "!" badge in the warning colour (decorations are drawn by CSS), and the tooltip on hover.
  await page.waitForFunction(`${badged("notes.txt")} === true`);
  // A hover shows on the pointer entering the row: the pointer is still where it
  // clicked Resume, in the same sidebar, so it first leaves for the editor area.
  await page.mouse.move(1, 1);
  await file.hover();
  await page.locator(".monaco-hover, .workbench-hover", { hasText: "Ferry: changed both on project and on project-copy" }).first().waitFor();
  await shot("conflict-in-explorer");
  // Compare from the Explorer's context menu.
  await contextMenu(file, "Compare Versions");
  const tab = page.locator(".tabs-container .tab", { hasText: "notes.txt (project ↔ project-copy)" });
  await tab.first().waitFor();
  await page.locator(".monaco-diff-editor .view-lines", { hasText: "written in the copy" }).first().waitFor();
  // The keep buttons, together, with check icons, in the diff's title bar.
  const actions = page.locator(".editor-actions .action-item .action-label");
  const labels = await actions.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
  const left = labels.indexOf("Keep Left Version");
  assert.ok(left >= 0, labels.join(" | "));
  assert.equal(labels[left + 1], "Keep Right Version", `adjacent: ${labels.join(" | ")}`);
  assert.match((await actions.nth(left).getAttribute("class")) ?? "", /codicon-check/);
  await shot("conflict-diff");
  await actions.nth(left).click();
  // The diff closes; the conflict is gone everywhere.
  await tab.first().waitFor({ state: "detached" });
  await status("Ferry watching").waitFor();
  await page.locator(".notification-toast", { hasText: "kept project's version of notes.txt; project-copy has it now" }).first().waitFor();
  assert.equal(fs.readFileSync(path.join(beta, "notes.txt"), "utf8"), "written here\n");
  await page.waitForFunction(`${badged("notes.txt")} === false`);
  await shot("conflict-resolved");
}

async function trashFlow(): Promise<void> {
  await palette("Ferry: Restore from Trash");
  await pick("project ⇄", "Restore from Trash");
  await titled("Restore from Trash (project ⇄");
  await widget().locator(".monaco-list-row", { hasText: "notes.txt" }).first().waitFor();
  assert.match(await widget().locator(".monaco-list-row", { hasText: "notes.txt" }).first().innerText(), /from project-copy · just now · 20 B/);
  await shot("trash");
  await pick("notes.txt", "Restore from Trash (project ⇄");
  // The copy has a notes.txt: another name is offered.
  await widget().locator(".quick-input-message", { hasText: "notes.txt exists on project-copy" }).waitFor();
  assert.equal(await widget().locator(".quick-input-box input").inputValue(), "notes.restored.txt");
  await page.keyboard.press("Enter");
  await page.locator(".notification-toast", { hasText: "restored notes.restored.txt on project-copy" }).first().waitFor();
  await shot("restored");
  assert.equal(fs.readFileSync(path.join(beta, "notes.restored.txt"), "utf8"), "written in the copy\n");
  await fileHas(path.join(alpha, "notes.restored.txt"), (t) => t === "written in the copy\n");
  await palette("Notifications: Clear All Notifications");
}

async function sshFlow(): Promise<void> {
  const remote = path.join(sshd!.remoteHome, "project");
  await status("Ferry watching").waitFor();
  await palette("Ferry: Create Sync Session");
  // devbox comes from ~/.ssh/config.
  await pick("devbox", "sync project with");
  const input = widget().locator(".quick-input-box input");
  await widget().locator(".quick-input-message", { hasText: "Folder on devbox" }).waitFor();
  assert.equal(await input.inputValue(), "~/project");
  await page.keyboard.press("Enter");
  await titled("3/4");
  await page.keyboard.press("Enter");
  await titled("4/4");
  await page.keyboard.press("Enter");

  // The daemon does not know the host's key: the editor asks, with the fingerprint.
  const dialog = page.locator(".monaco-dialog-box", { hasText: "authenticity of host" });
  await dialog.waitFor();
  const [, sha] = sshd!.fingerprint.split(" ");
  await dialog.locator(".dialog-message-detail", { hasText: sha }).waitFor();
  await shot("ssh-host-key");
  const syncing = status(/Ferry (\d+%|syncing)/).waitFor();
  await dialog.locator(".monaco-button", { hasText: "Accept" }).first().click();
  await dialog.waitFor({ state: "detached" });
  await syncing;
  await status("Ferry watching").waitFor();
  assert.match(fs.readFileSync(path.join(home, ".ssh", "known_hosts"), "utf8"), /ssh-ed25519/);
  assert.equal(fs.readFileSync(path.join(remote, "src", "module7.ts"), "utf8"), "export const n7 = 7;\n");
  assert.equal(fs.statSync(path.join(remote, "data-7.bin")).size, 48 << 20);

  // The Ferry view: the session named by place, its sides "this machine" and "devbox".
  await status("Ferry watching").click();
  await row("project ⇄ devbox:~/project").waitFor();
  await row(`this machine: ${alpha}`).waitFor();
  await row("devbox: ~/project").hover();
  await shot("ssh-view");

  // An edit on the remote comes back, with Sync Now.
  fs.writeFileSync(path.join(remote, "from-devbox.txt"), "written on devbox\n");
  await palette("Ferry: Sync Now");
  await pick("devbox:~/project", "Sync Now");
  await status("Ferry watching").waitFor();
  assert.equal(fs.readFileSync(path.join(alpha, "from-devbox.txt"), "utf8"), "written on devbox\n");
}

async function hostDownFlow(): Promise<void> {
  await status("Ferry watching").waitFor();
  await sshd!.down();
  const r = row("project ⇄ devbox:~/project");
  try {
    const reconnecting = status("Ferry reconnecting to devbox");
    await reconnecting.waitFor();
    assert.equal(await tone(reconnecting), "warning", "a lost host that ferry retries is a warning, not an error");
    await r.locator(".label-description", { hasText: "reconnecting to devbox" }).waitFor();
    assert.equal(await iconColor(r.locator(".codicon-debug-disconnect").first()), await themeColor("list.warningForeground"), "the warning colour");
    await shot("host-down");
  } finally {
    await sshd!.up();
  }
  await status("Ferry watching").waitFor({ timeout: 150_000 });
  await r.locator(".label-description", { hasText: "watching" }).waitFor();
  await shot("host-back");
}

async function forwardFlow(): Promise<void> {
  service = http.createServer((_req, res) => res.end("served\n"));
  await new Promise<void>((r) => service!.listen(0, "127.0.0.1", r));
  const servicePort = (service.address() as net.AddressInfo).port;
  await palette("Ferry: Forward a Port");
  await pick("devbox", "from which host");
  await pick(String(servicePort), "port on devbox");
  // The port is taken here (the "remote" is this machine): the suggested free one.
  await widget().locator(".quick-input-message", { hasText: `Port ${servicePort} is in use on this machine` }).waitFor();
  const local = Number(await widget().locator(".quick-input-box input").inputValue());
  await page.keyboard.press("Enter");
  await page.locator(".notification-toast", { hasText: `localhost:${local} now reaches port ${servicePort} on devbox` }).first().waitFor();
  const forwardRow = row(`node · devbox:${servicePort} → localhost:${local}`);
  await forwardRow.waitFor();
  await forwardRow.hover();
  await forwardRow.locator('.action-label[aria-label="Open in Browser"]').waitFor();
  await shot("forward-by-name");
  assert.equal(await httpGet(local), "served\n");
  // Terminate… from its context menu, confirmed.
  await contextMenu(forwardRow, "Terminate…");
  const dialog = page.locator(".monaco-dialog-box", { hasText: `Stop forwarding node · devbox:${servicePort} → localhost:${local}?` });
  await dialog.waitFor();
  await dialog.locator(".monaco-button", { hasText: "Stop Forwarding" }).first().click();
  await forwardRow.waitFor({ state: "detached" });
  await palette("Notifications: Clear All Notifications");
}

async function projectFlow(): Promise<void> {
  const servicePort = (service!.address() as net.AddressInfo).port;
  const localPort = await freePort();
  const canonical = fs.realpathSync.native(alpha);
  // VS Code shows at most three toasts at once: the earlier ones go first.
  await palette("Notifications: Clear All Notifications");
  await page.locator(".notification-toast").first().waitFor({ state: "detached" });
  // The file appears while the editor is open: the extension's watcher sees it.
  fs.writeFileSync(
    path.join(alpha, "ferry.yml"),
    [
      "sync:",
      "  sources:",
      "    alpha: src",
      "    beta: devbox:~/sources",
      "forward:",
      "  web:",
      `    source: tcp:127.0.0.1:${localPort}`,
      `    destination: devbox:tcp:127.0.0.1:${servicePort}`,
      "",
    ].join("\n"),
  );
  const toast = page.locator(".notification-toast", { hasText: "project has a ferry.yml; start the sessions it declares?" });
  const start = toast.locator(".monaco-button", { hasText: "Start Project Sessions" });
  await start.waitFor();
  await shot("project-offer");
  await start.click();
  await page.locator(".notification-toast", { hasText: "started 1 sync session and 1 forward of project/ferry.yml" }).waitFor();
  // Grouped under their file, named by their entries.
  await row("project/ferry.yml").waitFor();
  await row("sources · src ⇄ devbox:~/sources").waitFor();
  const forwardRow = row(`web · devbox:${servicePort} → localhost:${localPort}`);
  await forwardRow.waitFor();
  await status("Ferry watching").waitFor();
  await shot("project-started");
  const syncName = projectSessionName(canonical, "sources");
  assert.equal(fs.readFileSync(path.join(sshd!.remoteHome, "sources", "module3.ts"), "utf8"), "export const n3 = 3;\n");
  assert.equal(await httpGet(localPort), "served\n");
  // The CLI sees the editor's project as its own.
  const listed = JSON.parse(execFileSync(ferry, ["project", "list", "--json", alpha], { env, encoding: "utf8" }));
  assert.equal(listed.id, projectId(canonical));
  assert.deepEqual(listed.sync.map((x: { name: string }) => x.name), [syncName]);

  await palette("Ferry: Stop Project Sessions");
  await page.locator(".notification-toast", { hasText: "stopped 1 sync session and 1 forward of project/ferry.yml" }).waitFor();
  await row("sources · src ⇄ devbox:~/sources").waitFor({ state: "detached" });
  await forwardRow.waitFor({ state: "detached" });
  await page.locator(".pane-body", { hasText: "No forwarded ports" }).first().waitFor();
  await shot("project-stopped");
  const after = JSON.parse(execFileSync(ferry, ["project", "list", "--json", alpha], { env, encoding: "utf8" }));
  assert.deepEqual([after.sync.length, after.forward.length], [0, 0]);
  fs.rmSync(path.join(alpha, "ferry.yml"));
  await palette("Notifications: Clear All Notifications");
}

async function missingFlow(): Promise<void> {
  // A person sets ferry.path where they look for it, in the User tab of the settings
  // editor, to a file that is not there (a typo, a moved binary).
  const wrong = path.join(tmp, "no-such", "ferry");
  await palette("Preferences: Open User Settings");
  const settings = page.locator(".settings-editor");
  await settings.waitFor();
  await page.keyboard.type("ferry.path");
  const item = settings.locator(".setting-item-contents", { hasText: "Path" }).filter({ hasText: "ferry" }).first();
  await item.waitFor();
  await settings.locator(".settings-tabs-widget .action-label.checked", { hasText: "User" }).waitFor();
  await shot("setting-in-user-tab");
  await item.locator("input").first().fill(wrong);
  await page.keyboard.press("Tab");
  const toast = page.locator(".notification-toast", { hasText: `ferry.path is set to ${wrong}, which is not an executable file` });
  await toast.waitFor();
  for (const b of ["Locate ferry…", "Open Setting", "Install Instructions"]) {
    await toast.locator(".monaco-button", { hasText: b }).waitFor();
  }
  const notFound = status("Ferry not found");
  await notFound.waitFor();
  assert.equal(await tone(notFound), "error", "a missing binary needs a person");
  assert.equal(await page.locator(".notification-toast", { hasText: "ferry.path is set to" }).count(), 1, "one message, no retries");
  await page.keyboard.press("Control+W");
  await openFerryView();
  await page.locator(".pane-body", { hasText: "Ferry cannot start the ferry program that the ferry.path setting names" }).first().waitFor();
  await shot("missing-binary");
  // Open Setting, from the message: the setting, in the User tab.
  await toast.locator(".monaco-button", { hasText: "Open Setting" }).click();
  await settings.waitFor();
  await item.waitFor();
  await settings.locator(".settings-tabs-widget .action-label.checked", { hasText: "User" }).waitFor();
  // The fix: ferry.path emptied; ferry starts again with the one in the VSIX, no reload.
  await item.locator("input").first().fill("");
  await page.keyboard.press("Tab");
  await status(/Ferry (idle|watching)/).waitFor();
  await shot("missing-binary-fixed");
  await page.keyboard.press("Control+W");
  await palette("Notifications: Clear All Notifications");
}

async function daemonStopFlow(): Promise<void> {
  await openFerryView();
  await status(/Ferry (idle|watching)/).waitFor();
  execFileSync(ferry, ["daemon", "stop"], { env });
  const stopped = status("Ferry stopped");
  await stopped.waitFor();
  assert.equal(await tone(stopped), "", "the person stopped it: nothing is wrong");
  const welcome = page.locator(".pane-body", { hasText: "stopped on purpose" }).first();
  await welcome.waitFor();
  await shot("daemon-stopped");
  // Not restarted behind the person's back: no daemon answers now.
  assert.notEqual(spawnSync(ferry, ["sync", "list"], { env: { ...env, FERRY_NO_AUTOSTART: "1" } }).status, 0);
  await welcome.locator(".monaco-button", { hasText: "Start Ferry" }).click();
  await status(/Ferry (idle|watching)/).waitFor();
  await shot("daemon-started");
}

function httpGet(port: number): Promise<string> {
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
