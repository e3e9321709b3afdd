// core/project without vscode or a daemon: the naming against the fixtures the Go side
// tests with (engine/project/testdata): the same folders give the same ids, prefixes,
// names and selectors, and every session of a valid fixture is named as the TypeScript
// side derives it; how `ferry project check --json` output is read; and start's all or
// nothing against an in-memory daemon.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { Code, ForwardSession, SyncSession } from "../src/protocol.gen";
import { FerryError } from "../src/core/backend";
import {
  AlreadyStarted,
  entryName,
  LABEL_DIGEST,
  LABEL_PROJECT,
  parseCheckOutput,
  ProjectFileError,
  projectId,
  projectSelector,
  projectSessionName,
  projectSlug,
  ProjectPlan,
  Requester,
  sessionPrefix,
  startProject,
  stopProject,
} from "../src/core/project";

const root = path.resolve(__dirname, "..", "..");
const testdata = path.join(root, "engine", "project", "testdata");
const naming = JSON.parse(fs.readFileSync(path.join(testdata, "naming.json"), "utf8"));

test("naming.json: ids, prefixes, names and selectors agree with engine/project", () => {
  assert.equal(LABEL_PROJECT, naming.labelProject);
  assert.equal(LABEL_DIGEST, naming.labelDigest);
  assert.ok(naming.projects.length >= 10);
  for (const c of naming.projects) {
    assert.equal(projectId(c.dir), c.id, `id of ${c.dir}`);
    assert.equal(sessionPrefix(c.dir), c.prefix, `prefix of ${c.dir}`);
  }
  for (const c of naming.sessions) {
    assert.equal(projectSessionName(c.dir, c.entry), c.name);
    assert.equal(projectSelector(projectId(c.dir)), c.selector);
  }
});

/** The sections of a txtar archive (golang.org/x/tools/txtar), and its comment. */
function txtar(text: string): { comment: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const parts = text.split(/^-- (.+) --$\n?/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    files.set(parts[i], parts[i + 1]);
  }
  return { comment: parts[0], files };
}

test("the sessions of every valid Go fixture are named and labelled as this side derives it", () => {
  const dir = path.join(testdata, "files");
  let checked = 0;
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".txtar"))) {
    const { comment, files } = txtar(fs.readFileSync(path.join(dir, name), "utf8"));
    const want = files.get("want.json");
    if (!want) {
      continue;
    }
    const folder = /^dir: (.*)$/m.exec(comment)?.[1] ?? "/home/alice/web";
    const p = JSON.parse(want);
    assert.equal(p.id, projectId(folder), name);
    for (const s of [...p.sync, ...p.forward]) {
      assert.equal(s.name, projectSessionName(folder, s.entry), `${name}: ${s.entry}`);
      assert.equal(s.labels[LABEL_PROJECT], projectId(folder));
      assert.equal(entryName({ id: "x", name: s.name, labels: s.labels }), s.entry);
      checked++;
    }
  }
  assert.ok(checked >= 10, `checked ${checked} sessions`);
});

test("slugs: ASCII only, so both sides agree whatever the folder's name", () => {
  const cases: [string, string][] = [
    ["web", "web"],
    ["My Web App", "my-web-app"],
    ["__init__", "init"],
    ["9lives", "p-9lives"],
    ["abcdefghijklmno pq", "abcdefghijklmno"],
    ["...", "project"],
    ["naïve", "na-ve"],
    ["", "project"],
  ];
  for (const [base, want] of cases) {
    assert.equal(projectSlug(base), want, base);
  }
});

test("entryName: a project session's name in its file; other names as they are", () => {
  assert.equal(entryName({ id: "sync_1", name: "web-9254953b-code", labels: { [LABEL_PROJECT]: "9254953b" } }), "code");
  assert.equal(entryName({ id: "sync_1", name: "web-9254953b-a-b", labels: { [LABEL_PROJECT]: "9254953b" } }), "a-b");
  assert.equal(entryName({ id: "sync_1", name: "docs" }), "docs");
  assert.equal(entryName({ id: "sync_1" }), "sync_1");
});

test("parseCheckOutput: a plan, a file's problems, or why ferry could not tell", () => {
  const plan = { dir: "/p", file: "/p/ferry.yml", id: "abc", selector: "ferry-project=abc", sync: [], forward: [] };
  assert.deepEqual(parseCheckOutput("ferry", 0, null, JSON.stringify(plan), ""), plan);

  const failure = { error: { file: "/p/ferry.yml", problems: [{ line: 4, message: 'sync "a": unknown key "x"' }] } };
  assert.throws(
    () => parseCheckOutput("ferry", 1, null, JSON.stringify(failure), "ferry: ..."),
    (e: unknown) => e instanceof ProjectFileError && e.problems[0].line === 4 && e.message === '/p/ferry.yml:4: sync "a": unknown key "x"' && !e.noFile,
  );
  const none = { error: { file: "/p/ferry.yml", noFile: true, problems: [{ line: 0, message: "no project file in /p" }] } };
  assert.throws(() => parseCheckOutput("ferry", 1, null, JSON.stringify(none), ""), (e: unknown) => e instanceof ProjectFileError && e.noFile);
  assert.throws(
    () => parseCheckOutput("/old/ferry", 1, null, "", 'ferry: unknown command "project" for "ferry"'),
    /\/old\/ferry cannot read project files .*; update ferry/,
  );
  assert.throws(() => parseCheckOutput("ferry", null, "SIGKILL", "", ""), /was killed by SIGKILL/);
});

/**
 * An in-memory daemon for the project operations: sessions with names and labels,
 * label selectors of the key=value form, creates that fail for names listed in failOn.
 */
class FakeDaemon implements Requester {
  sync: SyncSession[] = [];
  forward: ForwardSession[] = [];
  calls: string[] = [];
  failOn = new Set<string>();
  private n = 0;

  async request(method: string, params?: any): Promise<any> {
    this.calls.push(method);
    const select = <T extends { id: string; labels?: Record<string, string> }>(list: T[]) => {
      if (params?.sessions) {
        return list.filter((s) => params.sessions.includes(s.id));
      }
      const [k, v] = String(params?.labelSelector ?? "").split("=");
      return list.filter((s) => s.labels?.[k] === v);
    };
    const create = <T>(list: T[], make: () => T) => {
      if (this.failOn.has(params.name)) {
        throw new FerryError(Code.Exists, `a session named "${params.name}" exists`, method);
      }
      const s = make();
      list.push(s);
      return { session: s };
    };
    switch (method) {
      case "sync/list":
        return { sessions: select(this.sync) };
      case "forward/list":
        return { sessions: select(this.forward) };
      case "sync/create":
        return create(this.sync, () => ({ id: `sync_${++this.n}`, name: params.name, labels: params.labels }) as SyncSession);
      case "forward/create":
        return create(this.forward, () => ({ id: `fwrd_${++this.n}`, name: params.name, labels: params.labels }) as ForwardSession);
      case "sync/terminate": {
        const gone = select(this.sync);
        if (!gone.length) {
          throw new FerryError(Code.NotFound, "no session matches", method);
        }
        this.sync = this.sync.filter((s) => !gone.includes(s));
        return null;
      }
      case "forward/terminate": {
        const gone = select(this.forward);
        if (!gone.length) {
          throw new FerryError(Code.NotFound, "no session matches", method);
        }
        this.forward = this.forward.filter((s) => !gone.includes(s));
        return null;
      }
    }
    throw new Error(`unexpected ${method}`);
  }
}

function plan(): ProjectPlan {
  const labels = { [LABEL_PROJECT]: "abc12345" };
  return {
    dir: "/p",
    file: "/p/ferry.yml",
    id: "abc12345",
    selector: "ferry-project=abc12345",
    sync: [
      { entry: "one", line: 2, create: { name: "p-abc12345-one", labels, alpha: "/p", beta: "/q", config: {} } },
      { entry: "two", line: 4, create: { name: "p-abc12345-two", labels, alpha: "/p", beta: "/r", config: {} } },
    ],
    forward: [{ entry: "web", line: 7, create: { name: "p-abc12345-web", labels, source: "tcp:localhost:1", destination: "tcp:localhost:2" } }],
  };
}

test("startProject: all of them, in file order; a second start is refused", async () => {
  const d = new FakeDaemon();
  const created: string[] = [];
  const started = await startProject(d, plan(), (what) => created.push(what));
  assert.deepEqual(created, ["sync one", "sync two", "forward web"]);
  assert.deepEqual(started.sync.map((s) => s.name), ["p-abc12345-one", "p-abc12345-two"]);
  await assert.rejects(startProject(d, plan()), (e: unknown) => e instanceof AlreadyStarted && e.sync === 2 && e.forward === 1);
  assert.equal(d.sync.length, 2);
  assert.deepEqual(await stopProject(d, "abc12345"), { sync: 2, forward: 1 });
  assert.deepEqual([d.sync.length, d.forward.length], [0, 0]);
  assert.deepEqual(await stopProject(d, "abc12345"), { sync: 0, forward: 0 }, "stopping a stopped project is no error");
});

test("startProject: when an entry fails, only what this start created is terminated", async () => {
  const d = new FakeDaemon();
  // The forward's name is taken; and while this start runs, another start of the same
  // project (say, the CLI) has created a session: it must survive the rollback.
  d.failOn.add("p-abc12345-web");
  const original = d.request.bind(d);
  d.request = async (method: string, params?: any) => {
    if (method === "sync/create" && params.name === "p-abc12345-two") {
      d.sync.push({ id: "sync_other", name: "other", labels: { [LABEL_PROJECT]: "abc12345" } } as unknown as SyncSession);
    }
    return original(method, params);
  };
  await assert.rejects(
    startProject(d, plan()),
    (e: unknown) =>
      e instanceof Error &&
      e.message ===
        '/p/ferry.yml:7: forward "web" (tcp:localhost:1 → tcp:localhost:2): a session named "p-abc12345-web" exists; ' +
          "nothing was started (terminated the 2 sessions already created)",
  );
  assert.deepEqual(d.sync.map((s) => s.id), ["sync_other"]);
  assert.deepEqual(d.forward, []);
});

test("startProject: a failure on the first entry terminates nothing", async () => {
  const d = new FakeDaemon();
  d.failOn.add("p-abc12345-one");
  await assert.rejects(startProject(d, plan()), /^Error: \/p\/ferry\.yml:2: sync "one" \(\/p ⇄ \/q\): a session named "p-abc12345-one" exists; nothing was started$/);
  assert.ok(!d.calls.includes("sync/terminate"));
});
