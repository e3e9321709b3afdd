// The packaged extensions: the universal one (make vsix), small, with the manifest VS Code
// reads and the extension's own README and icon; and the linux-x64 one (make
// vsix-linux-x64), which carries ferry and the agents.
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
  for (const f of ["extension/package.json", "extension/dist/extension.js", "extension/extension/media/ferry.svg", "extension/extension/media/icon.png", "extension/readme.md", "extension.vsixmanifest", "[Content_Types].xml"]) {
    assert.ok(files.includes(f), `${f} in ${files.join(", ")}`);
  }
  const unexpected = files.filter((f) => f.startsWith("extension/") && !/^extension\/(package\.json|readme\.md|dist\/extension\.js|extension\/media\/(ferry\.svg|icon\.png))$/i.test(f));
  assert.deepEqual(unexpected, []);
  assert.ok(!files.some((f) => /node_modules|\.go$|\.ts$|\.map$/.test(f)));
  const size = fs.statSync(vsix).size;
  assert.ok(size < 200 * 1024, `vsix is ${size} bytes`);
});

test("its README is the extension's own, not the repository's", () => {
  listing();
  const readme = execFileSync("unzip", ["-p", vsix, "extension/readme.md"], { encoding: "utf8" });
  assert.match(readme, /^# Ferry for VS Code/);
  assert.doesNotMatch(readme, /make demo|make test/);
});

test("the packaged manifest: engine, activation events, contributions", () => {
  const packaged = JSON.parse(execFileSync("unzip", ["-p", vsix, "extension/package.json"], { encoding: "utf8" }));
  assert.equal(packaged.name, "ferry");
  assert.equal(packaged.publisher, "ferrysync");
  assert.equal(packaged.engines.vscode, "^1.85.0");
  assert.equal(packaged.main, "./dist/extension.js");
  assert.deepEqual(packaged.activationEvents, manifest.activationEvents);
  assert.deepEqual(packaged.extensionKind, ["ui", "workspace"]);
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

test("the linux-x64 VSIX carries ferry for linux/amd64 and the agents for every remote, and says its target", () => {
  const platform = path.join(root, `ferry-${manifest.version}-linux-x64.vsix`);
  assert.ok(fs.existsSync(platform), `${platform} is missing: run make vsix-linux-x64`);
  const entries = execFileSync("unzip", ["-Z", "-l", platform], { encoding: "utf8" }).split("\n");
  const entry = (name: string) => entries.find((l) => l.endsWith(` ${name}`));
  const ferry = entry("extension/dist/bin/ferry");
  assert.ok(ferry, "dist/bin/ferry is inside");
  for (const agent of ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"]) {
    assert.ok(entry(`extension/dist/bin/agents/ferry-agent-${agent}`), agent);
  }
  // The binary is an x86-64 ELF, and the unpacked copy of the entry keeps its executable bit where zip has it.
  const head = execFileSync("unzip", ["-p", platform, "extension/dist/bin/ferry"], { maxBuffer: 64 << 20 }).subarray(0, 20);
  assert.equal(head.subarray(1, 4).toString(), "ELF");
  assert.equal(head.readUInt16LE(18), 0x3e, "EM_X86_64");
  const xml = execFileSync("unzip", ["-p", platform, "extension.vsixmanifest"], { encoding: "utf8" });
  assert.match(xml, /TargetPlatform="linux-x64"/);
});
