/**
 * Project files (ferry.yml) from the editor's side. No vscode import.
 *
 * - Naming: how the sessions of a project are labelled and named. This is the same
 *   derivation as engine/project in Go (ID, Prefix, Selector), and both test it against
 *   engine/project/testdata/naming.json, so that sessions started by `ferry project start`
 *   are found by the editor and the other way round.
 * - The file itself is read by the ferry binary (`ferry project check --json DIR`), so the
 *   editor accepts exactly the files the CLI accepts, and reports their problems with the
 *   same words and lines.
 * - Starting and stopping go through the API (sync/create and forward/create; sync/list,
 *   forward/list, sync/terminate and forward/terminate with the project's label
 *   selector), all or nothing: when one session cannot be created, the ones created
 *   before it are terminated again.
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as path from "path";
import {
  ClientRequests,
  Code,
  ForwardCreateParams,
  ForwardSession,
  Method,
  SyncCreateParams,
  SyncSession,
} from "../protocol.gen";
import { FerryError } from "./backend";
import { plural } from "./format";
import { State } from "./store";

export const PROJECT_FILE = "ferry.yml";
/** The label every session of a project carries; its value is the project's id. */
export const LABEL_PROJECT = "ferry-project";
/** The label that identifies the project file's contents when the sessions started. */
export const LABEL_DIGEST = "ferry-project-digest";

const ID_LEN = 8;
const MAX_SLUG = 16;

/**
 * The id of the project in folder dir (absolute, symbolic links resolved): the first 8
 * hex digits of the SHA-256 of the path's UTF-8 bytes.
 */
export function projectId(dir: string): string {
  return createHash("sha256").update(dir, "utf8").digest("hex").slice(0, ID_LEN);
}

/** The label selector that finds the sessions of project id. */
export function projectSelector(id: string): string {
  return `${LABEL_PROJECT}=${id}`;
}

/**
 * A folder's name made part of a session name: ASCII letters (lower case) and digits
 * kept, every run of other bytes one '-', none at either end, "p-" before a leading
 * digit, at most 16 characters, "project" when nothing is left.
 */
export function projectSlug(base: string): string {
  let out = "";
  let dash = false;
  for (let c of Buffer.from(base, "utf8")) {
    if (c >= 0x41 && c <= 0x5a) {
      c += 0x20;
    }
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      if (dash && out !== "") {
        out += "-";
      }
      out += String.fromCharCode(c);
      dash = false;
    } else {
      dash = true;
    }
  }
  if (out === "") {
    return "project";
  }
  if (out[0] >= "0" && out[0] <= "9") {
    out = "p-" + out;
  }
  if (out.length > MAX_SLUG) {
    out = out.slice(0, MAX_SLUG).replace(/-+$/, "");
  }
  return out;
}

/** What the names of the sessions of the project in dir start with. */
export function sessionPrefix(dir: string): string {
  return `${projectSlug(path.basename(dir))}-${projectId(dir)}-`;
}

/** The daemon's name for entry of the project in dir. */
export function projectSessionName(dir: string, entry: string): string {
  return sessionPrefix(dir) + entry;
}

/** The name a project session has in its file (its name without the prefix). */
export function entryName(s: { name?: string; id: string; labels?: Record<string, string> }): string {
  const id = s.labels?.[LABEL_PROJECT];
  const name = s.name ?? s.id;
  const at = id ? name.indexOf(`-${id}-`) : -1;
  return at >= 0 ? name.slice(at + id!.length + 2) : name;
}

/** The sessions of project id among those the store knows, in creation order. */
export function projectSessions(state: State, id: string): { sync: SyncSession[]; forward: ForwardSession[] } {
  const mine = (s: { labels?: Record<string, string> }) => s.labels?.[LABEL_PROJECT] === id;
  return {
    sync: state.syncOrder.map((k) => state.sync[k]).filter(mine),
    forward: state.forwardOrder.map((k) => state.forwards[k]).filter(mine),
  };
}

// ---------------------------------------------------------------- the file, read by ferry

/** What `ferry project check --json` prints for a valid file: what start sends. */
export interface ProjectPlan {
  dir: string;
  file: string;
  id: string;
  selector: string;
  sync: { entry: string; line: number; create: SyncCreateParams }[];
  forward: { entry: string; line: number; create: ForwardCreateParams }[];
  /** The file's hooks (absent from a ferry older than hooks). */
  hooks?: ProjectHooks;
}

/** A shell command of a project file, with its line. */
export interface ProjectCommand {
  line: number;
  shell: string;
}

/** What `ferry project start` and `stop` run besides creating and terminating. */
export interface ProjectHooks {
  beforeCreate?: ProjectCommand[];
  afterCreate?: ProjectCommand[];
  beforeTerminate?: ProjectCommand[];
  afterTerminate?: ProjectCommand[];
  flushOnCreate?: boolean;
}

export type HookKind = "beforeCreate" | "afterCreate" | "beforeTerminate" | "afterTerminate";

/** Whether a plan runs shell commands of its file (hooks of any kind). */
export function hasHooks(plan: ProjectPlan): boolean {
  const h = plan.hooks ?? {};
  return [h.beforeCreate, h.afterCreate, h.beforeTerminate, h.afterTerminate].some((l) => (l?.length ?? 0) > 0);
}

/** Runs a shell command in a folder; resolves with its exit status (null: killed) and what it printed. */
export type ShellRunner = (shell: string, dir: string) => Promise<{ code: number | null; signal: string | null; output: string }>;

/** Runs shell commands with sh -c, as `ferry project start` runs hooks. */
export const runShell: ShellRunner = (shell, dir) =>
  new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", shell], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, output }));
  });

/** A hook that failed: the message names the file, the line, the hook and how it ended. */
export class HookFailed extends Error {}

/**
 * Runs the plan's hooks of one kind in order, in the project's folder, passing each
 * one's announcement and output lines to log; the first that fails stops them.
 */
export async function runHooks(run: ShellRunner, plan: ProjectPlan, kind: HookKind, log: (line: string) => void): Promise<void> {
  for (const h of plan.hooks?.[kind] ?? []) {
    log(`${kind}: ${h.shell}`);
    const r = await run(h.shell, plan.dir);
    for (const line of r.output.split("\n").filter((l) => l !== "")) {
      log(`  ${line}`);
    }
    if (r.code !== 0) {
      const how = r.code === null ? `was stopped (${r.signal})` : `exited with status ${r.code}`;
      throw new HookFailed(`${plan.file}:${h.line}: ${kind} hook "${h.shell}" ${how}`);
    }
  }
}

export interface ProjectProblem {
  /** 1-based; 0 for the file as a whole. */
  line: number;
  message: string;
}

/** A project file that cannot be used, with its problems. */
export class ProjectFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ProjectProblem[],
    readonly noFile: boolean,
  ) {
    super(problems.map((p) => (p.line > 0 ? `${file}:${p.line}: ${p.message}` : p.message)).join("\n"));
  }
}

/** How long `ferry project check` may take: it reads one small file. */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Reads the project file of dir with `ferry project check --json`: the plan, or a
 * ProjectFileError with the file's problems, or an Error saying why ferry could not
 * tell.
 */
export function readPlan(ferry: string, env: NodeJS.ProcessEnv, dir: string): Promise<ProjectPlan> {
  return new Promise((resolve, reject) => {
    const child = spawn(ferry, ["project", "check", "--json", dir], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill(), CHECK_TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(err.code === "ENOENT" ? `cannot run ${ferry}: not found (set ferry.path to the ferry binary)` : `cannot run ${ferry}: ${err.message}`),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(parseCheckOutput(ferry, code, signal, stdout, stderr));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Interprets what `ferry project check --json` printed and how it exited. */
export function parseCheckOutput(ferry: string, code: number | null, signal: string | null, stdout: string, stderr: string): ProjectPlan {
  const said = stderr.trim().replace(/^ferry: /, "");
  if (/unknown command "project"/.test(stderr)) {
    throw new Error(`${ferry} cannot read project files (${said}); update ferry`);
  }
  let out: any;
  try {
    out = JSON.parse(stdout);
  } catch {
    throw new Error(`${ferry} project check ${signal ? `was killed by ${signal}` : `exited with status ${code}`}: ${said || "no output"}`);
  }
  if (code === 0 && out && typeof out.id === "string" && Array.isArray(out.sync) && Array.isArray(out.forward)) {
    return out as ProjectPlan;
  }
  if (out?.error && Array.isArray(out.error.problems)) {
    throw new ProjectFileError(out.error.file ?? PROJECT_FILE, out.error.problems, !!out.error.noFile);
  }
  throw new Error(`${ferry} project check printed something this extension does not understand: ${stdout.slice(0, 200)}`);
}

// ---------------------------------------------------------------- starting and stopping

/** The part of the backend the project operations use. */
export interface Requester {
  request<M extends keyof ClientRequests>(
    method: M,
    ...params: ClientRequests[M]["params"] extends null ? [] : [ClientRequests[M]["params"]]
  ): Promise<ClientRequests[M]["result"]>;
}

/** The project has sessions already. */
export class AlreadyStarted extends Error {
  constructor(
    readonly dir: string,
    readonly sync: number,
    readonly forward: number,
  ) {
    super(`project ${dir} (${countSessions(sync, forward)}) is already started`);
  }
}

export interface Started {
  sync: SyncSession[];
  forward: ForwardSession[];
}

async function listProject(api: Requester, selector: string): Promise<Started> {
  const [s, f] = await Promise.all([
    api.request(Method.SyncList, { labelSelector: selector }),
    api.request(Method.ForwardList, { labelSelector: selector }),
  ]);
  return { sync: s.sessions ?? [], forward: f.sessions ?? [] };
}

/**
 * Creates every session of plan in file order, or none: when one fails, those created
 * before it are terminated and the error names the entry (FILE:LINE: sync "name" ...)
 * and the daemon's reason. Refuses (AlreadyStarted) when the project has sessions.
 */
export async function startProject(api: Requester, plan: ProjectPlan, onCreated?: (what: string) => void): Promise<Started> {
  const running = await listProject(api, plan.selector);
  if (running.sync.length + running.forward.length > 0) {
    throw new AlreadyStarted(plan.dir, running.sync.length, running.forward.length);
  }
  const started: Started = { sync: [], forward: [] };
  for (const e of plan.sync) {
    try {
      started.sync.push((await api.request(Method.SyncCreate, e.create)).session);
    } catch (err) {
      throw await rollback(api, started, `${plan.file}:${e.line}: sync "${e.entry}" (${e.create.alpha} ⇄ ${e.create.beta}): ${message(err)}`);
    }
    onCreated?.(`sync ${e.entry}`);
  }
  for (const e of plan.forward) {
    try {
      started.forward.push((await api.request(Method.ForwardCreate, e.create)).session);
    } catch (err) {
      throw await rollback(api, started, `${plan.file}:${e.line}: forward "${e.entry}" (${e.create.source} → ${e.create.destination}): ${message(err)}`);
    }
    onCreated?.(`forward ${e.entry}`);
  }
  return started;
}

/**
 * Terminates what a failed start created (by identifier: never sessions that another
 * start of the same project made meanwhile) and returns the error to report.
 */
async function rollback(api: Requester, created: Started, why: string): Promise<Error> {
  try {
    if (created.sync.length) {
      await api.request(Method.SyncTerminate, { sessions: created.sync.map((s) => s.id) }).catch(ignoreGone);
    }
    if (created.forward.length) {
      await api.request(Method.ForwardTerminate, { sessions: created.forward.map((s) => s.id) }).catch(ignoreGone);
    }
  } catch (e) {
    return new Error(`${why}; terminating the sessions already created failed too (${message(e)}): stop the project's sessions`);
  }
  const n = created.sync.length + created.forward.length;
  return new Error(n > 0 ? `${why}; nothing was started (terminated the ${plural(n, "session")} already created)` : `${why}; nothing was started`);
}

/** Lets a terminate of sessions that are gone already pass. */
function ignoreGone(e: unknown): void {
  if (!(e instanceof FerryError && e.code === Code.NotFound)) {
    throw e;
  }
}

/** Terminates the sessions of project id; returns how many of each there were. */
export async function stopProject(api: Requester, id: string): Promise<{ sync: number; forward: number }> {
  const selector = projectSelector(id);
  const s = await listProject(api, selector);
  if (s.sync.length) {
    await api.request(Method.SyncTerminate, { labelSelector: selector }).catch(ignoreGone);
  }
  if (s.forward.length) {
    await api.request(Method.ForwardTerminate, { labelSelector: selector }).catch(ignoreGone);
  }
  return { sync: s.sync.length, forward: s.forward.length };
}

export function countSessions(sync: number, forward: number): string {
  if (sync === 0) {
    return plural(forward, "forward");
  }
  if (forward === 0) {
    return plural(sync, "sync session");
  }
  return `${plural(sync, "sync session")} and ${plural(forward, "forward")}`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
