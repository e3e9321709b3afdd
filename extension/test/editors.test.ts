// The examples of docs/editors.md, extracted from the page and run for real against
// bin/ferry: the bash script and the Neovim Lua statusline (nvim --headless).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { after, before, test } from "node:test";
import { cleanup, ferryBin, root, sandbox, Sandbox } from "./helpers";

let sb: Sandbox;
let env: NodeJS.ProcessEnv;

/** The code block that follows `<!-- file: NAME -->` in docs/editors.md. */
function example(name: string): string {
  const doc = fs.readFileSync(path.join(root, "docs", "editors.md"), "utf8");
  const m = new RegExp(`<!-- file: ${name.replace(/\./g, "\\.")} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(doc);
  assert.ok(m, `docs/editors.md has no example ${name}`);
  const file = path.join(sb.dir, name);
  fs.writeFileSync(file, m[1] + "\n");
  return file;
}

before(() => {
  sb = sandbox();
  env = { ...sb.env, PATH: `${path.dirname(ferryBin)}:${process.env.PATH}` };
  for (const name of ["docs", "site"]) {
    const dir = path.join(sb.dir, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "index.txt"), `${name}\n`);
    execFileSync(ferryBin, ["sync", "create", "--name", name, dir, `${dir}-mirror`], { env });
    execFileSync(ferryBin, ["sync", "flush", name], { env });
  }
  execFileSync(ferryBin, ["sync", "pause", "site"], { env });
});

after(() => cleanup(sb));

test("the shell example lists the sessions as JSON", () => {
  const script = example("ferry-sessions.sh");
  const r = spawnSync("bash", [script], { env, encoding: "utf8", timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  const reply = JSON.parse(r.stdout);
  assert.equal(reply.id, 2);
  const byName = Object.fromEntries(reply.result.sessions.map((s: { name: string; status: string }) => [s.name, s.status]));
  assert.deepEqual(byName, { docs: "watching", site: "paused" });
});

test("the Neovim example shows the sessions in the statusline and :FerryList", () => {
  const which = spawnSync("nvim", ["--version"], { encoding: "utf8" });
  assert.equal(which.status, 0, "nvim is needed for this test: apt-get install neovim (make extension-deps does it)");
  const plugin = example("ferry.lua");
  const check = path.join(sb.dir, "check.lua");
  fs.writeFileSync(
    check,
    [
      `dofile(${JSON.stringify(plugin)})`,
      "Ferry.setup()",
      "local ok = vim.wait(20000, function() return Ferry.ready or Ferry.error ~= nil end, 20)",
      "local line = vim.api.nvim_eval_statusline(vim.o.statusline, { fillchar = ' ' }).str",
      "local listed = vim.api.nvim_exec('FerryList', true)",
      "io.stdout:write('ready=' .. tostring(ok and Ferry.ready) .. '\\n' .. 'statusline=' .. line .. '\\n' .. listed .. '\\n')",
      "vim.cmd('qall!')",
    ].join("\n"),
  );
  const r = spawnSync("nvim", ["--headless", "--clean", "-c", `luafile ${check}`], { env, encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ready=true/);
  assert.match(r.stdout, /statusline=.*ferry: 1 paused, 1 watching\s*$/m);
  assert.match(r.stdout, /^docs\s+watching\s+\/.*\/docs <-> \/.*\/docs-mirror$/m);
  assert.match(r.stdout, /^site\s+paused\s+/m);
});
