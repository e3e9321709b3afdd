// Builds the tests into dist/test: each *.test.ts bundled on its own (vscode left to
// the stand-in), the stand-in itself, and the fake ferry used by the prompt tests.
import { build } from "esbuild";
import { chmodSync, readdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "dist", "test");
const common = { bundle: true, platform: "node", target: "node20", format: "cjs", external: ["vscode"], logLevel: "warning" };
const tests = readdirSync(here).filter((f) => f.endsWith(".test.ts"));
await build({ ...common, entryPoints: tests.map((f) => join(here, f)), outdir: out });
await build({ ...common, entryPoints: [join(here, "shim", "vscode.ts")], outfile: join(out, "vscode-shim.js") });
await build({
  ...common,
  entryPoints: [join(here, "fixtures", "fake-ferry.ts")],
  outfile: join(out, "fake-ferry.js"),
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(join(out, "fake-ferry.js"), 0o755);
