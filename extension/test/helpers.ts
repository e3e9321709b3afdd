/**
 * Shared by the extension tests: a sandbox (temp HOME and FERRY_DATA_DIR), activation of
 * the built extension (dist/extension.js) against the vscode stand-in, waiting on
 * recorded events, reading the trees, evaluating the manifest's menus, and a direct
 * client of the daemon to check what the extension did.
 */
import "./shim/register";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as Shim from "./shim/vscode";
import { Backend, processTransport } from "../src/core/backend";
import { Store } from "../src/core/store";
import type { FerryAPI } from "../src/extension";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const vscode = require("vscode") as typeof Shim;
export const root = path.resolve(__dirname, "..", "..");
export const ferryBin = path.join(root, "bin", "ferry");
export const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

export interface Sandbox {
  dir: string;
  home: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** A temp HOME and FERRY_DATA_DIR, set in process.env (the extension's child inherits them). */
export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-ext-"));
  const home = path.join(dir, "home");
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  process.env.HOME = home;
  process.env.FERRY_DATA_DIR = dataDir;
  delete process.env.FERRY_NO_AUTOSTART;
  return { dir, home, dataDir, env: { ...process.env } };
}

export interface Activated {
  api: FerryAPI;
  context: { subscriptions: { dispose(): unknown }[] };
}

/** Activates dist/extension.js as VS Code would (installed at extensionPath; ferryPath "" leaves ferry.path unset). */
export function activate(ferryPath = ferryBin, extensionPath = root): Activated {
  if (!fs.existsSync(path.join(root, "dist", "extension.js"))) {
    throw new Error("dist/extension.js is missing: run npm run build");
  }
  vscode.setConfiguration("ferry.path", ferryPath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(path.join(root, "dist", "extension.js"));
  const context = {
    subscriptions: [] as { dispose(): unknown }[],
    extension: { packageJSON: manifest },
    extensionPath,
  };
  const api = ext.activate(context) as FerryAPI;
  return { api, context };
}

export function deactivate(a: Activated): void {
  for (const d of a.context.subscriptions.splice(0)) {
    d.dispose();
  }
}

/** Stops the sandbox's daemon and removes its files. */
export function cleanup(sb: Sandbox): void {
  spawnSync(ferryBin, ["daemon", "stop"], { env: sb.env, timeout: 20000 });
  fs.rmSync(sb.dir, { recursive: true, force: true });
}

/**
 * Resolves with check's first truthy result, re-checking on every recorded change (and
 * every 100 ms, for changes on disk); rejects after timeoutMs saying what was awaited.
 */
export function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 60000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    let busy = false;
    const finish = (err: Error | undefined, v?: T) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      vscode.recorder.events.off("change", attempt);
      if (err) {
        reject(err);
      } else {
        resolve(v as T);
      }
    };
    const attempt = async () => {
      if (done || busy) {
        return;
      }
      busy = true;
      try {
        const v = await check();
        if (v) {
          finish(undefined, v);
        }
      } catch (e) {
        finish(e as Error);
      } finally {
        busy = false;
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; status bar: ${JSON.stringify(statusText())}; ` +
              `messages: ${JSON.stringify(vscode.recorder.messages.map((m) => m.message).slice(-5))}; ` +
              `unexpected pickers: ${JSON.stringify(vscode.recorder.unexpected)}`,
          ),
        ),
      timeoutMs,
    );
    const poll = setInterval(attempt, 100);
    vscode.recorder.events.on("change", attempt);
    void attempt();
  });
}

export function statusItem(): Shim.StatusBarItem {
  const item = [...vscode.recorder.statusItems].reverse().find((i) => i.id === "ferry.status");
  if (!item) {
    throw new Error("no ferry.status status bar item");
  }
  return item;
}

export function statusText(): string {
  return [...vscode.recorder.statusItems].reverse().find((i) => i.id === "ferry.status")?.text ?? "(none)";
}

export interface Row {
  node: any;
  item: Shim.TreeItem;
  depth: number;
}

/** Every row of a tree view, depth first, as VS Code would ask the provider for them. */
export async function treeRows(viewId: string): Promise<Row[]> {
  const provider = vscode.recorder.treeViews.get(viewId);
  if (!provider) {
    throw new Error(`no tree view ${viewId}`);
  }
  const rows: Row[] = [];
  const walk = async (parent: unknown, depth: number) => {
    for (const node of await provider.getChildren(parent)) {
      const item = await provider.getTreeItem(node);
      rows.push({ node, item, depth });
      if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        await walk(node, depth + 1);
      }
    }
  };
  await walk(undefined, 0);
  return rows;
}

/** Runs a command through executeCommand, as a click or the palette would. */
export function run(command: string, ...args: unknown[]): Promise<unknown> {
  return vscode.commands.executeCommand(command, ...args);
}

export function errorsShown(): string[] {
  return vscode.recorder.messages.filter((m) => m.level === "error").map((m) => m.message);
}

// ---------------------------------------------------------------- menus

/** Evaluates the when clauses used in package.json ("a == b", "a =~ /re/", "key", "!key", "&&", "||", "a in b"). */
export function evalWhen(when: string, ctx: Record<string, string>): boolean {
  if (when.includes("||")) {
    return when.split("||").some((w) => evalWhen(w, ctx));
  }
  return when.split("&&").every((part) => {
    if (part.trim() === "false") {
      return false;
    }
    const inList = /^(\S+)\s+in\s+(\S+)$/.exec(part.trim());
    if (inList) {
      return (ctx[inList[2]] ?? "").split(",").includes(ctx[inList[1]] ?? "");
    }
    const p = part.trim();
    const bare = /^(!?)([\w.]+)$/.exec(p);
    if (bare) {
      const v = ctx[bare[2]];
      return (v !== undefined && v !== "" && v !== "false") !== (bare[1] === "!");
    }
    let m = /^(\S+)\s*=~\s*\/(.*)\/$/.exec(p);
    if (m) {
      return new RegExp(m[2]).test(ctx[m[1]] ?? "");
    }
    m = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(p);
    if (m) {
      return (ctx[m[1]] === m[3]) === (m[2] === "==");
    }
    throw new Error(`when clause not understood by the test: ${p}`);
  });
}

/** The context menu VS Code shows on a tree row with contextValue in view (the non-inline items). */
export function contextActions(view: string, contextValue: string): string[] {
  return (manifest.contributes.menus["view/item/context"] as { command: string; when: string; group?: string }[])
    .filter((m) => !(m.group ?? "").startsWith("inline") && evalWhen(m.when, { view, viewItem: contextValue }))
    .map((m) => m.command);
}

/** The inline actions VS Code shows on a tree row with contextValue in view. */
export function inlineActions(view: string, contextValue: string): string[] {
  return (manifest.contributes.menus["view/item/context"] as { command: string; when: string; group?: string }[])
    .filter((m) => (m.group ?? "").startsWith("inline") && evalWhen(m.when, { view, viewItem: contextValue }))
    .map((m) => m.command);
}

// ---------------------------------------------------------------- direct client

/** A second, independent client of the sandbox's daemon, to check its state. */
export async function directClient(sb: Sandbox): Promise<{ backend: Backend; store: Store; close(): void }> {
  const store = new Store();
  const backend = new Backend({
    transport: processTransport(ferryBin, sb.env),
    initialize: () => ({ clientName: "extension-test", protocolVersion: 1 }),
    handlers: {
      connected: (init, forwards) => store.dispatch({ type: "connected", version: init.version, sessions: init.sessions, forwards }),
      syncState: (session) => store.dispatch({ type: "syncState", session }),
      forwardState: (session) => store.dispatch({ type: "forwardState", session }),
      log: () => undefined,
      diagnostic: () => undefined,
      hostKey: async () => ({ accept: false }),
      secret: async () => {
        throw new Error("no secrets here");
      },
      status: (status) => store.dispatch({ type: "backend", status }),
    },
  });
  await backend.start();
  if (backend.status.state !== "running") {
    throw new Error(`direct client: ${JSON.stringify(backend.status)}`);
  }
  return { backend, store, close: () => backend.stop() };
}
