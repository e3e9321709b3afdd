// The extension in a real VS Code (code-server) driven through headless Chromium, as a
// person would: the command palette, quick picks, the status bar, the Ferry view and a
// conflict's diff; a sync session to a throwaway OpenSSH sshd on 127.0.0.1 (its host key
// accepted in the editor's dialog); and a ferry.yml's sessions offered, started and
// stopped. Run by scripts/extension-e2e.sh, which provides (environment):
//   FERRY_E2E_NODE24, FERRY_E2E_CODE_SERVER, FERRY_E2E_VSIX, FERRY_E2E_FERRY, FERRY_E2E_OUT.
// Screenshots go to FERRY_E2E_OUT. Every wait is on page state, never a fixed delay.
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as http from "http";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { after, before, test } from "node:test";
import { chromium, Browser, Page } from "playwright-core";
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
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  FERRY_DATA_DIR: dataDir,
  PATH: `${path.dirname(node24)}:${process.env.PATH}`,
  XDG_DATA_HOME: path.join(home, ".local", "share"),
  XDG_CONFIG_HOME: path.join(home, ".config"),
};

let server: ChildProcess | undefined;
let serverLog = "";
let browser: Browser | undefined;
let page: Page;
let sshd: SSHD | undefined;
let service: http.Server | undefined;

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

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(out, name) });
}

/** The Ferry status bar item, by its text. */
function status(text: string | RegExp) {
  return page.locator(".statusbar-item", { hasText: text }).first();
}

async function palette(command: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${command}`);
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: command }).first().waitFor();
  await page.keyboard.press("Enter");
}

/** Answers the open quick pick by filtering for text and taking the first match. */
async function pick(text: string, titleHas?: string): Promise<void> {
  const widget = page.locator(".quick-input-widget");
  if (titleHas) {
    await widget.locator(".quick-input-title", { hasText: titleHas }).waitFor();
  }
  const input = widget.locator(".quick-input-box input");
  await input.fill(text);
  await widget.locator(".monaco-list-row", { hasText: text }).first().waitFor();
  await page.keyboard.press("Enter");
}

before(async () => {
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(tmp, "sshd"), { recursive: true });
  fs.mkdirSync(out, { recursive: true });
  fs.mkdirSync(path.join(alpha, "src"), { recursive: true });
  for (let i = 0; i < 20; i++) {
    fs.writeFileSync(path.join(alpha, "src", `module${i}.ts`), `export const n${i} = ${i};\n`);
  }
  // Large enough that staging is visible in the status bar for a while.
  for (let i = 0; i < 8; i++) {
    fs.writeFileSync(path.join(alpha, `data-${i}.bin`), randomBytes(48 << 20));
  }
  // The SSH host: ~/.ssh/config (in the temp HOME) names it devbox; known_hosts does not
  // know its key yet.
  sshd = await startSSHD(path.join(tmp, "sshd"), home);
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.writeFileSync(
    path.join(userData, "User", "settings.json"),
    JSON.stringify(
      {
        "security.workspace.trust.enabled": false,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "telemetry.telemetryLevel": "off",
        "chat.disableAIFeatures": true,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "ferry.logLevel": "info",
      },
      null,
      2,
    ),
  );
  // ferry.path is machine-scoped: with the extension host on the server it is read from
  // the server's (remote) settings, never from the browser's user settings.
  fs.mkdirSync(path.join(userData, "Machine"), { recursive: true });
  fs.writeFileSync(path.join(userData, "Machine", "settings.json"), JSON.stringify({ "ferry.path": ferry }, null, 2));
  execFileSync(codeServer, ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix], {
    env,
    stdio: "pipe",
  });
  assert.ok(fs.readdirSync(extensions).some((d) => d.startsWith("ferrysync.ferry-")), "the vsix is installed");

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

/** Runs a flow; on failure, keeps what the page showed and what code-server and sshd said. */
async function recorded(name: string, flow: () => Promise<void>): Promise<void> {
  try {
    await flow();
  } catch (e) {
    await page?.screenshot({ path: path.join(out, `failure-${name}.png`) }).catch(() => undefined);
    fs.writeFileSync(path.join(out, "code-server.log"), serverLog);
    fs.writeFileSync(path.join(out, "sshd.log"), sshd?.log() ?? "");
    // What the daemon and the extension logged (the Ferry output channel's file).
    const keep = (from: string, name: string) => fs.promises.copyFile(from, path.join(out, name)).catch(() => undefined);
    await keep(path.join(dataDir, "daemon.log"), "daemon.log");
    for (const f of filesUnder(path.join(userData, "logs")).filter((f) => /ferry/i.test(f))) {
      await keep(f, `extension-${path.basename(f)}`);
    }
    throw e;
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

test("create a local sync session from the palette; syncing then watching; a conflict shown and resolved", () => recorded("local", flow));

test("create a sync session with an SSH host: the host key accepted in the editor, syncing then watching", () => recorded("ssh", sshFlow));

test("a ferry.yml appears: its sessions are offered, started and stopped", () => recorded("project", projectFlow));

async function flow(): Promise<void> {
  await status("Ferry idle").waitFor();
  await shot("01-idle.png");

  await palette("Ferry: Create Sync Session");
  await pick("Local folder", "sync project with");
  // The other folder: the suggested "<folder>-copy".
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await page.locator(".quick-input-widget .quick-input-message", { hasText: "Absolute path of the other folder" }).waitFor();
  assert.equal(await input.inputValue(), beta);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: "two-way-safe" }).first().waitFor();
  const syncing = status(/Ferry (\d+%|syncing)/).waitFor();
  await pick("two-way-safe");
  await syncing;
  await shot("02-syncing.png");

  await status("Ferry watching").waitFor();
  await shot("03-watching.png");
  assert.equal(fs.readFileSync(path.join(beta, "src", "module7.ts"), "utf8"), "export const n7 = 7;\n");

  // The Ferry view, opened from the status bar item.
  await status("Ferry watching").click();
  const tree = page.locator(".pane-body .monaco-list-row");
  await tree.filter({ hasText: "project" }).first().waitFor();
  await tree.filter({ hasText: `alpha: ${alpha}` }).first().waitFor();
  await tree.filter({ hasText: `beta: ${beta}` }).first().waitFor();
  await shot("04-view.png");

  // Conflicting edits made on disk while the session is paused.
  await palette("Ferry: Pause");
  await pick("project");
  await status("Ferry paused").waitFor();
  fs.writeFileSync(path.join(alpha, "notes.txt"), "written on alpha\n");
  fs.writeFileSync(path.join(beta, "notes.txt"), "written on beta\n");
  await palette("Ferry: Resume");
  await pick("project");
  await status("Ferry 1 conflict").waitFor();
  await tree.filter({ hasText: "notes.txt" }).first().waitFor();
  await shot("05-conflict.png");

  // Click the conflict: a diff of both versions.
  await tree.filter({ hasText: "notes.txt" }).first().click();
  await page.locator(".tab", { hasText: "alpha ↔ beta" }).first().waitFor();
  await page.locator(".monaco-diff-editor .view-lines", { hasText: "written on beta" }).first().waitFor();
  await shot("06-diff.png");

  await palette("Ferry: Keep Alpha");
  await pick("notes.txt");
  await status("Ferry watching").waitFor();
  await shot("07-resolved.png");
  assert.equal(fs.readFileSync(path.join(beta, "notes.txt"), "utf8"), "written on alpha\n");
}

async function sshFlow(): Promise<void> {
  const remote = path.join(sshd!.remoteHome, "project");
  await status("Ferry watching").waitFor();
  await palette("Ferry: Create Sync Session");
  // devbox comes from ~/.ssh/config.
  await pick("devbox", "sync project with");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await page.locator(".quick-input-widget .quick-input-message", { hasText: "Folder on devbox" }).waitFor();
  assert.equal(await input.inputValue(), "~/project");
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: "two-way-safe" }).first().waitFor();
  await pick("two-way-safe");

  // The daemon does not know the host's key: the editor asks, with the fingerprint.
  const dialog = page.locator(".monaco-dialog-box", { hasText: "authenticity of host" });
  await dialog.waitFor();
  const [, sha] = sshd!.fingerprint.split(" ");
  await dialog.locator(".dialog-message-detail", { hasText: sha }).waitFor();
  await shot("08-ssh-host-key.png");
  const syncing = status(/Ferry (\d+%|syncing)/).waitFor();
  await dialog.locator(".monaco-button", { hasText: "Accept" }).first().click();
  await dialog.waitFor({ state: "detached" });
  await syncing;
  await shot("09-ssh-syncing.png");
  await status("Ferry watching").waitFor();
  await shot("10-ssh-watching.png");
  assert.match(fs.readFileSync(path.join(home, ".ssh", "known_hosts"), "utf8"), /ssh-ed25519/);
  assert.equal(fs.readFileSync(path.join(remote, "src", "module7.ts"), "utf8"), "export const n7 = 7;\n");
  assert.equal(fs.statSync(path.join(remote, "data-7.bin")).size, 48 << 20);

  // The Ferry view: the new session (the name "project" is taken) and its remote side.
  await page.locator(".statusbar-item", { hasText: "Ferry watching" }).first().click();
  const tree = page.locator(".pane-body .monaco-list-row");
  await tree.filter({ hasText: "project-2" }).first().waitFor();
  await tree.filter({ hasText: "beta: devbox:~/project" }).first().waitFor();
  await tree.filter({ hasText: "beta: devbox:~/project" }).first().hover();
  await shot("11-ssh-view.png");

  // An edit on the remote comes back.
  fs.writeFileSync(path.join(remote, "from-devbox.txt"), "written on devbox\n");
  await palette("Ferry: Flush");
  await pick("project-2");
  await status("Ferry watching").waitFor();
  assert.equal(fs.readFileSync(path.join(alpha, "from-devbox.txt"), "utf8"), "written on devbox\n");
}

async function projectFlow(): Promise<void> {
  service = http.createServer((_req, res) => res.end("served\n"));
  await new Promise<void>((r) => service!.listen(0, "127.0.0.1", r));
  const servicePort = (service.address() as net.AddressInfo).port;
  const localPort = await freePort();
  const canonical = fs.realpathSync.native(alpha);
  // The earlier flows' notifications go, as a person would dismiss them: VS Code shows
  // at most three toasts at once.
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
  await shot("12-project-offer.png");
  await start.click();
  await page.locator(".notification-toast", { hasText: "started 1 sync session and 1 forward of project/ferry.yml" }).waitFor();
  const tree = page.locator(".pane-body .monaco-list-row");
  const syncName = projectSessionName(canonical, "sources");
  await tree.filter({ hasText: syncName }).first().waitFor();
  await tree.filter({ hasText: "beta: devbox:~/sources" }).first().waitFor();
  const forwardRow = tree.filter({ hasText: `tcp:127.0.0.1:${localPort} → devbox:tcp:127.0.0.1:${servicePort}` }).first();
  await forwardRow.waitFor();
  await status("Ferry watching").waitFor();
  await shot("13-project-started.png");
  assert.equal(fs.readFileSync(path.join(sshd!.remoteHome, "sources", "module3.ts"), "utf8"), "export const n3 = 3;\n");
  assert.equal(await httpGet(localPort), "served\n");
  // The CLI sees the editor's project as its own.
  const listed = JSON.parse(execFileSync(ferry, ["project", "list", "--json", alpha], { env, encoding: "utf8" }));
  assert.equal(listed.id, projectId(canonical));
  assert.deepEqual(listed.sync.map((x: { name: string }) => x.name), [syncName]);

  await palette("Ferry: Stop Project Sessions");
  await page.locator(".notification-toast", { hasText: "stopped 1 sync session and 1 forward of project/ferry.yml" }).waitFor();
  await tree.filter({ hasText: syncName }).first().waitFor({ state: "detached" });
  await forwardRow.waitFor({ state: "detached" });
  await page.locator(".pane-body", { hasText: "No forwarded ports" }).first().waitFor();
  await shot("14-project-stopped.png");
  const after = JSON.parse(execFileSync(ferry, ["project", "list", "--json", alpha], { env, encoding: "utf8" }));
  assert.deepEqual([after.sync.length, after.forward.length], [0, 0]);
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
