// The packaged extension (make vsix): small, with the manifest VS Code reads.
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { manifest, root } from "./helpers";

const vsix = path.join(root, `ferry-${manifest.version}.vsix`);

function listing(): string[] {
  assert.ok(fs.existsSync(vsix), `${vsix} is missing: run make vsix`);
  const out = execFileSync("unzip", ["-Z1", vsix], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

test("the vsix holds the bundle, the manifest and the icon, nothing else of the repository", () => {
  const files = listing();
  for (const f of ["extension/package.json", "extension/dist/extension.js", "extension/extension/media/ferry.svg", "extension.vsixmanifest", "[Content_Types].xml"]) {
    assert.ok(files.includes(f), `${f} in ${files.join(", ")}`);
  }
  const unexpected = files.filter((f) => f.startsWith("extension/") && !/^extension\/(package\.json|readme\.md|README\.md|dist\/extension\.js|extension\/media\/ferry\.svg)$/i.test(f));
  assert.deepEqual(unexpected, []);
  assert.ok(!files.some((f) => /node_modules|\.go$|\.ts$|\.map$/.test(f)));
  const size = fs.statSync(vsix).size;
  assert.ok(size < 200 * 1024, `vsix is ${size} bytes`);
});

test("the packaged manifest: engine, activation events, contributions", () => {
  const packaged = JSON.parse(execFileSync("unzip", ["-p", vsix, "extension/package.json"], { encoding: "utf8" }));
  assert.equal(packaged.name, "ferry");
  assert.equal(packaged.publisher, "ferrysync");
  assert.equal(packaged.engines.vscode, "^1.85.0");
  assert.equal(packaged.main, "./dist/extension.js");
  assert.deepEqual(packaged.activationEvents, ["onStartupFinished", "onView:ferry.sync", "onView:ferry.forward"]);
  assert.deepEqual(packaged.contributes, manifest.contributes);
  const xml = execFileSync("unzip", ["-p", vsix, "extension.vsixmanifest"], { encoding: "utf8" });
  assert.match(xml, /Id="ferry"/);
  assert.match(xml, /Publisher="ferrysync"/);
  assert.match(xml, /Id="Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.85\.0"/);
});

test("the bundle loads without the repository's node_modules (vscode-jsonrpc is inside)", () => {
  const bundle = execFileSync("unzip", ["-p", vsix, "extension/dist/extension.js"], { encoding: "utf8" });
  assert.ok(!/require\("vscode-jsonrpc/.test(bundle), "vscode-jsonrpc is bundled");
  assert.match(bundle, /require\("vscode"\)/);
  assert.match(bundle, /prompt\/hostKey/);
});
