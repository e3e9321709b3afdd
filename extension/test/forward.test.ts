// Forward a Port against the real daemon and a real OpenSSH sshd on 127.0.0.1 with
// throwaway keys: the host from ~/.ssh/config (temp HOME), the daemon's host-key prompt
// answered in the editor, the port picked from remote/ports, the forward carrying HTTP,
// Open in Browser, and the forward's inline actions.
import { activate, Activated, cleanup, deactivate, errorsShown, inlineActions, run, sandbox, Sandbox, statusItem, statusText, treeRows, vscode, waitFor } from "./helpers";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { after, before, test } from "node:test";
import { SSHD, startSSHD } from "./sshd";

let sb: Sandbox;
let ext: Activated;
let sshd: SSHD;
let service: http.Server;
let servicePort: number;

before(async () => {
  sb = sandbox();
  sshd = await startSSHD(sb.dir, sb.home);
  // The "remote" service: on the sshd's machine, which is this one.
  service = http.createServer((_req, res) => res.end("hello from the remote service\n"));
  await new Promise<void>((r) => service.listen(0, "127.0.0.1", r));
  servicePort = (service.address() as net.AddressInfo).port;
  vscode.setWorkspaceFolders([sb.dir]);
  ext = activate();
  await ext.api.whenReady();
});

after(() => {
  if (ext) {
    deactivate(ext);
  }
  service?.close();
  sshd?.stop();
  cleanup(sb);
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/" }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

test("Forward a Port: host from ~/.ssh/config, host key accepted, port from remote/ports, Open in Browser", async () => {
  vscode.answerMessages(/authenticity of host/, "Accept");
  vscode.answerMessages(/now reaches port/, "Open in Browser");
  let suggested = "";
  vscode.script.quickPicks.push(vscode.pickLabel("devbox"), vscode.pickLabel(String(servicePort)));
  // The port is taken here (the "remote" is this machine): keep the suggested free one.
  vscode.script.inputs.push((o) => (suggested = o.value ?? ""));
  const created = (await run("ferry.forwardPort")) as { id: string; source: string; destination: string } | undefined;
  const listing = vscode.recorder.messages.find((m) => /cannot list the ports/.test(m.message));
  assert.equal(listing, undefined, `remote/ports failed: ${listing?.message}`);
  assert.deepEqual(errorsShown(), [], "no error shown");
  assert.deepEqual(vscode.recorder.unexpected, []);
  assert.ok(created, "the command returns the forward");

  const hostKey = vscode.recorder.messages.find((m) => m.options?.modal && /authenticity of host/.test(m.message));
  assert.ok(hostKey, `the daemon asked about devbox's host key; messages: ${JSON.stringify(vscode.recorder.messages)}`);
  assert.match(hostKey.options?.detail ?? "", /ssh-ed25519 key fingerprint: SHA256:/);
  assert.ok(hostKey.options?.detail?.includes(sshd.fingerprint.split(" ")[1]), `the sshd's own key: ${sshd.fingerprint}`);
  assert.equal(hostKey.answer, "Accept");
  assert.match(fs.readFileSync(path.join(sb.home, ".ssh", "known_hosts"), "utf8"), /ssh-ed25519/);

  const portPick = vscode.recorder.pickers.find((p) => p.kind === "quickPick" && /port on devbox/.test(p.title ?? ""));
  assert.ok(portPick?.labels.includes(String(servicePort)), "remote/ports listed the service's port");
  const local = Number(suggested);
  assert.ok(local > 0 && local !== servicePort);
  assert.equal(created.source, `tcp:localhost:${local}`);
  assert.equal(created.destination, `devbox:tcp:localhost:${servicePort}`);

  await waitFor("forwarding", () => ext.api.state.forwards[created.id]?.status === "forwarding");
  assert.equal(await get(local), "hello from the remote service\n");
  await waitFor("the connection counted", () => ext.api.state.forwards[created.id]?.totalConnections >= 1);
  assert.deepEqual(vscode.recorder.external, [`http://localhost:${local}/`]);

  const rows = await treeRows("ferry.forward");
  assert.equal(rows.length, 1);
  // Named as the Ports view names it: the process behind the remote port, where it is, where it is reached.
  assert.equal(rows[0].item.label, `node · devbox:${servicePort} → localhost:${local}`);
  assert.match(String(rows[0].item.description), /^forwarding · \d+ open, [1-9]\d* total/);
  assert.equal(rows[0].item.contextValue, "forward-session running browsable");
});

test("forward inline actions: pause, resume, terminate", async () => {
  const [row] = await treeRows("ferry.forward");
  assert.ok(row, "a forward row");
  const id = row.node.id as string;
  assert.deepEqual(inlineActions("ferry.forward", row.item.contextValue!).sort(), ["ferry.openInBrowser", "ferry.pause"]);
  await run("ferry.copyAddress", row.node);
  assert.match(vscode.recorder.clipboard, /^localhost:\d+$/);
  await run("ferry.pause", row.node);
  await waitFor("paused", () => ext.api.state.forwards[id]?.status === "paused");
  await run("ferry.resume", row.node);
  await waitFor("forwarding again", () => ext.api.state.forwards[id]?.status === "forwarding");
  vscode.answerMessages(/^Stop forwarding node · devbox:\d+ → localhost:\d+\?$/, "Stop Forwarding", true);
  await run("ferry.terminate", row.node);
  await waitFor("gone", async () => !ext.api.state.forwards[id] && (await treeRows("ferry.forward")).length === 0);
  assert.deepEqual(errorsShown(), []);
});

test("the host goes down and comes back: reconnecting to devbox in the warning colour, then watching", async () => {
  const remote = path.join(sshd.remoteHome, "down-and-back");
  const local = path.join(sb.dir, "down-and-back");
  fs.mkdirSync(local);
  fs.writeFileSync(path.join(local, "a.txt"), "a\n");
  vscode.script.quickPicks.push(vscode.pickLabel("devbox"), vscode.pickLabel("two-way-safe"), vscode.acceptSelected());
  vscode.script.inputs.push(vscode.typeValue("~/down-and-back"));
  const created = (await run("ferry.createSyncSession", vscode.Uri.file(local))) as { id: string } | undefined;
  assert.ok(created, `created; errors: ${errorsShown().join("; ")}`);
  await waitFor("watching", () => statusText() === "$(eye) Ferry watching" && fs.existsSync(path.join(remote, "a.txt")));
  const title = `${local} ⇄ devbox:~/down-and-back`;
  const seen: string[] = [];
  const watch = () => {
    const h = vscode.recorder.statusHistory.at(-1);
    if (h && seen.at(-1) !== `${h.text} ${h.background ?? ""}`) {
      seen.push(`${h.text} ${h.background ?? ""}`);
    }
  };
  vscode.recorder.events.on("change", watch);
  try {
    await sshd.down();
    await waitFor("reconnecting to devbox, a warning", () => statusText() === "$(debug-disconnect) Ferry reconnecting to devbox" && statusItem().backgroundColor?.id === "statusBarItem.warningBackground", 90000);
    const row = (await treeRows("ferry.sync")).find((r) => r.depth === 0 && r.item.label === title)!;
    assert.equal(row.item.description, "reconnecting to devbox");
    assert.deepEqual([row.item.iconPath?.id, row.item.iconPath?.color?.id], ["debug-disconnect", "list.warningForeground"]);
    assert.ok(!seen.some((x) => /errorBackground/.test(x)), `never red: ${seen.join(" | ")}`);
    await sshd.up();
    await waitFor("watching again", () => statusText() === "$(eye) Ferry watching", 120000);
    // Debounced: one reconnecting episode, no flapping in between.
    const texts = seen.map((x) => x.split(" statusBarItem")[0].trim()).filter((x, i, all) => i === 0 || all[i - 1] !== x);
    assert.deepEqual(texts, ["$(eye) Ferry watching", "$(debug-disconnect) Ferry reconnecting to devbox", "$(eye) Ferry watching"], seen.join(" | "));
    fs.writeFileSync(path.join(local, "b.txt"), "b\n");
    await waitFor("b.txt on devbox", () => fs.existsSync(path.join(remote, "b.txt")), 60000);
  } finally {
    vscode.recorder.events.off("change", watch);
  }
  assert.deepEqual(errorsShown(), []);
});
