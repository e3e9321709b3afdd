// A throwaway OpenSSH sshd on 127.0.0.1 for the extension's tests and the editor
// end-to-end test: its own host key, a user key in the test's HOME, a Host alias in
// HOME/.ssh/config, and a temp HOME for whatever runs over SSH (SetEnv HOME and the
// sftp root), so that nothing lands in the real home. No vscode import.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "../src/core/ports";

export interface SSHD {
  alias: string;
  port: number;
  /** The HOME of the sessions sshd runs (where the agent and "~/..." paths land). */
  remoteHome: string;
  /** `ssh-keygen -l` of the host key: "256 SHA256:... comment (ED25519)". */
  fingerprint: string;
  log(): string;
  stop(): void;
  /** The host goes down: the listener and every connection it serves (its own processes) end. */
  down(): Promise<void>;
  /** The host comes back: the same sshd (same port, same host key) listens again. */
  up(): Promise<void>;
}

/** The processes descended from pid (read from /proc): those the sshd started, nothing else. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) {
      continue;
    }
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** Starts sshd with its files in dir, for the user whose HOME is home; resolves once it listens. */
export async function startSSHD(dir: string, home: string, alias = "devbox"): Promise<SSHD> {
  const port = await freePort();
  const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
  const hostKey = path.join(dir, "host_key");
  keygen(hostKey);
  const ssh = path.join(home, ".ssh");
  fs.mkdirSync(ssh, { recursive: true, mode: 0o700 });
  keygen(path.join(ssh, "id_ed25519"));
  fs.copyFileSync(path.join(ssh, "id_ed25519.pub"), path.join(dir, "authorized_keys"));
  const remoteHome = path.join(dir, "remote-home");
  fs.mkdirSync(remoteHome, { recursive: true });
  const user = process.env.USER || os.userInfo().username;
  fs.writeFileSync(
    path.join(dir, "sshd_config"),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin yes",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "AllowTcpForwarding yes",
      "UseDNS no",
      // What runs over SSH gets a temp HOME, so the agent never lands in the real home.
      `SetEnv HOME=${remoteHome}`,
      `Subsystem sftp internal-sftp -d ${remoteHome}`,
      "",
    ].join("\n"),
  );
  fs.appendFileSync(
    path.join(ssh, "config"),
    `Host ${alias}\n  HostName 127.0.0.1\n  Port ${port}\n  User ${user}\n  IdentityFile ${ssh}/id_ed25519\n  IdentitiesOnly yes\n`,
  );
  fs.mkdirSync("/run/sshd", { recursive: true });
  const fingerprint = execFileSync("ssh-keygen", ["-l", "-f", `${hostKey}.pub`], { encoding: "utf8" }).trim();
  let log = "";
  let child: ChildProcess;
  const listen = () => {
    child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    const mark = log.length;
    // Ready when sshd says it listens (it logs that on stderr with -e).
    return new Promise<void>((resolve, reject) => {
      child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        log += d;
        if (log.slice(mark).includes(`Server listening on 127.0.0.1 port ${port}`)) {
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`sshd exited with status ${code} before listening:\n${log}`)));
      child.once("error", (err) => reject(new Error(`cannot run /usr/sbin/sshd: ${err.message}`)));
    });
  };
  await listen();
  return {
    alias,
    port,
    remoteHome,
    fingerprint,
    log: () => log,
    stop: () => {
      child.kill();
    },
    down: async () => {
      const served = descendants(child.pid!);
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGKILL");
      for (const pid of served) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await exited;
    },
    up: () => listen(),
  };
}
