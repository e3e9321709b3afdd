/**
 * Ferry: Create Sync Session: this folder with a local folder or a path on an SSH host,
 * in four steps with Back (where, which folder there, mode, what to leave out), a
 * Browse… button for local folders, and ignore presets. When the daemon refuses, the
 * answers are kept: "Edit and Retry" opens the steps again with them.
 */
import * as path from "path";
import * as vscode from "vscode";
import { Code, Method, SyncSession } from "../../protocol.gen";
import { FerryError } from "../../core/backend";
import { sessionName, syncURL } from "../../core/endpoints";
import { readSSHHosts } from "../../core/ssh";
import { syncTitle } from "../../core/names";
import { CommandFactory, FerryContext } from "../context";
import { baseName, pickWorkspaceFolder } from "../pick";
import { Answer, BACK, inputOne, pickMany, pickOne } from "../wizard";

export const modes = [
  { label: "two-way-safe", description: "default: changes flow both ways; edits on both sides become conflicts" },
  { label: "two-way-resolved", description: "changes flow both ways; this folder wins conflicts" },
  { label: "one-way-safe", description: "this folder → the other; never overwrites edits made there" },
  { label: "one-way-replica", description: "the other side becomes an exact copy of this folder" },
];

/** What can be left out, as presets. */
export const ignorePresets = [
  { id: "vcs", label: "Version control", description: ".git, .hg, .svn, … (ferry's --ignore-vcs)", patterns: [] as string[], vcs: true, default: true },
  { id: "node", label: "node_modules/", description: "JavaScript dependencies", patterns: ["node_modules/"], default: true },
  { id: "build", label: "Build output", description: "dist/, build/, out/, target/", patterns: ["dist/", "build/", "out/", "target/"], default: false },
  { id: "python", label: "Python caches", description: "__pycache__/, *.pyc, .venv/", patterns: ["__pycache__/", "*.pyc", ".venv/"], default: false },
  { id: "editor", label: "Editor and OS files", description: ".DS_Store, *.swp, .idea/", patterns: [".DS_Store", "*.swp", ".idea/"], default: false },
];

const title = "Ferry: Create Sync Session";
const TOTAL = 4;

interface Answers {
  host?: string;
  other?: string;
  mode?: string;
  ignores?: string[];
}

interface HostItem extends vscode.QuickPickItem {
  host?: string;
  type?: boolean;
}

export const createSyncSession: CommandFactory = (ctx) => async (folderArg?: vscode.Uri) => {
  const folder = folderArg instanceof vscode.Uri ? folderArg.fsPath : await pickWorkspaceFolder();
  if (!folder) {
    return undefined;
  }
  let answers: Answers = {};
  for (;;) {
    const done = await steps(ctx, folder, answers);
    if (!done) {
      return undefined;
    }
    answers = done;
    const base = baseName(folder);
    const patterns = ignorePresets.filter((p) => done.ignores!.includes(p.id)).flatMap((p) => p.patterns);
    const ignoreVCS = done.ignores!.includes("vcs");
    // An overlap with another session is asked about once: creating anyway sends
    // the same request with force.
    let force = false;
    for (;;) {
      try {
        const session = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Ferry: connecting ${base} with ${done.host || done.other}…` },
          () =>
            create(
              ctx,
              sessionName(base),
              folder,
              syncURL(done.host!, done.other!),
              {
                mode: done.mode,
                ...(patterns.length ? { ignores: patterns } : {}),
                ...(ignoreVCS ? { ignoreVCS } : {}),
              },
              force,
            ),
        );
        ctx.log.info(`created sync session ${syncTitle(session, ctx.names())}`);
        return session;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        ctx.log.error(`creating a sync session of ${base} with ${done.host || done.other}: ${msg}`);
        const overlap = !force && e instanceof FerryError && e.code === Code.Overlap;
        const choice = overlap
          ? await vscode.window.showWarningMessage(`Ferry: ${msg}`, CREATE_ANYWAY, "Edit and Retry")
          : await vscode.window.showErrorMessage(`Ferry: cannot sync ${base} with ${done.host ? `${done.host}:` : ""}${done.other}: ${msg}`, "Edit and Retry");
        if (choice === CREATE_ANYWAY) {
          force = true;
          continue;
        }
        if (choice !== "Edit and Retry") {
          return undefined;
        }
        break;
      }
    }
  }
};

/** The button that creates a session that overlaps another one anyway. */
export const CREATE_ANYWAY = "Create Anyway";

/** Walks the steps from the first, with defaults from earlier answers; undefined when dismissed. */
async function steps(ctx: FerryContext, folder: string, start: Answers): Promise<Required<Answers> | undefined> {
  const a: Answers = { ...start };
  const base = baseName(folder);
  let step = 1;
  for (;;) {
    let r: Answer<unknown>;
    switch (step) {
      case 1:
        r = await askHost(ctx, base, a.host);
        if (typeof r === "string") {
          if (r !== a.host) {
            a.other = undefined; // a path on another host is another question
          }
          a.host = r;
        }
        break;
      case 2:
        r = await inputOne({
          title: `${title}: ${base} with ${a.host || "a folder on this machine"}`,
          step,
          totalSteps: TOTAL,
          prompt: a.host ? `Folder on ${a.host} (absolute, or ~/path in the remote home)` : "Absolute path of the other folder on this machine",
          value: a.other ?? (a.host ? `~/${base}` : `${folder}-copy`),
          validate: (v) => validateOther(folder, a.host!, v),
          buttons: a.host
            ? []
            : [
                {
                  iconPath: new vscode.ThemeIcon("folder-opened"),
                  tooltip: "Browse…",
                  run: async () => {
                    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: "Sync with this folder" });
                    return picked?.[0]?.fsPath;
                  },
                },
              ],
        });
        if (typeof r === "string") {
          a.other = r;
        }
        break;
      case 3: {
        const m = await pickOne({ title, step, totalSteps: TOTAL, items: modes, placeholder: "How changes flow", active: (i) => i.label === (a.mode ?? "two-way-safe") });
        r = m;
        if (m && m !== BACK) {
          a.mode = m.label;
        }
        break;
      }
      case 4: {
        const chosen = a.ignores;
        const items = ignorePresets.map((p) => ({ label: p.label, description: p.description, id: p.id }));
        const m = await pickMany({
          title,
          step,
          totalSteps: TOTAL,
          items,
          placeholder: "What to leave out of the sync (Enter to accept)",
          selected: (i) => (chosen ? chosen.includes(i.id) : !!ignorePresets.find((p) => p.id === i.id)?.default),
        });
        r = m;
        if (m && m !== BACK) {
          a.ignores = m.map((i) => i.id);
        }
        break;
      }
    }
    if (r === undefined) {
      return undefined;
    }
    if (r === BACK) {
      step = Math.max(1, step - 1);
      continue;
    }
    if (step === TOTAL) {
      return a as Required<Answers>;
    }
    step++;
  }
}

/** Step 1: "" for this machine, a Host alias from ~/.ssh/config, or one typed in. */
async function askHost(ctx: FerryContext, base: string, current: string | undefined): Promise<Answer<string>> {
  const home = ctx.env.HOME || "";
  const items: HostItem[] = [{ label: "$(folder) Local folder", description: "another folder on this machine", host: "" }];
  const hosts = home ? readSSHHosts(home) : [];
  if (hosts.length) {
    items.push({ label: "SSH hosts from ~/.ssh/config", kind: vscode.QuickPickItemKind.Separator });
    for (const h of hosts) {
      const detail = [h.user && `${h.user}@`, h.hostName ?? "", h.port && `:${h.port}`].filter(Boolean).join("");
      items.push({ label: `$(remote) ${h.alias}`, description: detail || undefined, host: h.alias });
    }
  }
  items.push({ label: "", kind: vscode.QuickPickItemKind.Separator });
  const typed = current && !hosts.some((h) => h.alias === current) ? current : undefined;
  items.push({ label: "$(edit) Enter a host…", description: typed ?? "[user@]host[:port]", type: true });
  for (;;) {
    const picked = await pickOne({
      title: `${title}: sync ${base} with…`,
      step: 1,
      totalSteps: TOTAL,
      items,
      placeholder: "Where is the other side?",
      active: (i) => (current === undefined ? false : i.host === current || (!!typed && !!i.type)),
    });
    if (!picked || picked === BACK) {
      return picked;
    }
    if (!picked.type) {
      return picked.host!;
    }
    const host = await inputOne({
      title: `${title}: SSH host`,
      step: 1,
      totalSteps: TOTAL,
      prompt: "SSH host: an alias from ~/.ssh/config or [user@]host[:port]",
      placeholder: "devbox or me@203.0.113.7:2222",
      value: typed ?? "",
      validate: (v) => (/^[^\s/]+$/.test(v.trim()) ? undefined : "Write a host without spaces or slashes"),
    });
    if (host !== BACK) {
      return host;
    }
  }
}

function validateOther(folder: string, host: string, value: string): string | undefined {
  const v = value.trim();
  if (v === "") {
    return "Enter a path";
  }
  if (host) {
    return v.startsWith("/") || v === "~" || v.startsWith("~/") ? undefined : "Write an absolute path or ~/path";
  }
  if (!path.isAbsolute(v)) {
    return "Write an absolute path";
  }
  const a = path.resolve(folder);
  const b = path.resolve(v);
  if (a === b || b.startsWith(a + path.sep) || a.startsWith(b + path.sep)) {
    return "The two folders must not contain each other";
  }
  return undefined;
}

/** Creates the session, adding a suffix to the name while it is taken. */
async function create(
  ctx: FerryContext,
  name: string,
  alpha: string,
  beta: string,
  config: { mode?: string; ignores?: string[]; ignoreVCS?: boolean },
  force: boolean,
): Promise<SyncSession> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name}-${i}`;
    try {
      const r = await ctx.backend.request(Method.SyncCreate, { name: candidate, alpha, beta, config, ...(force ? { force } : {}) });
      return r.session;
    } catch (e) {
      if (!(e instanceof FerryError && e.code === Code.Exists) || i >= 20) {
        throw e;
      }
    }
  }
}
