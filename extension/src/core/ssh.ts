/**
 * Reads the Host aliases of the user's ssh config ($HOME/.ssh/config, following Include),
 * to offer them when a host is picked. Patterns (*, ?, !) are not hosts and are left out.
 */
import * as fs from "fs";
import * as path from "path";

export interface SSHHost {
  /** The alias as written after Host. */
  alias: string;
  /** Its HostName, User and Port, when the block sets them. */
  hostName?: string;
  user?: string;
  port?: string;
}

/** The hosts of the ssh config of home (the file may be absent: no hosts). */
export function readSSHHosts(home: string): SSHHost[] {
  const file = path.join(home, ".ssh", "config");
  const out: SSHHost[] = [];
  const seen = new Set<string>();
  parseFile(file, home, out, seen, 0);
  return out;
}

function parseFile(file: string, home: string, out: SSHHost[], seen: Set<string>, depth: number): void {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return;
  }
  let current: SSHHost[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) {
      continue;
    }
    const m = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) {
      continue;
    }
    const key = m[1].toLowerCase();
    const args = splitArgs(m[2]);
    switch (key) {
      case "host":
        current = [];
        for (const a of args) {
          if (/[*?!]/.test(a) || seen.has(a)) {
            continue;
          }
          const h: SSHHost = { alias: a };
          seen.add(a);
          out.push(h);
          current.push(h);
        }
        break;
      case "match":
        current = [];
        break;
      case "hostname":
      case "user":
      case "port":
        for (const h of current) {
          const field = key === "hostname" ? "hostName" : key;
          if ((h as unknown as Record<string, string | undefined>)[field] === undefined) {
            (h as unknown as Record<string, string>)[field] = args[0];
          }
        }
        break;
      case "include":
        if (depth < 8) {
          for (const pattern of args) {
            for (const f of expandInclude(pattern, home)) {
              parseFile(f, home, out, seen, depth + 1);
            }
          }
        }
        break;
    }
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    out.push(m[1] ?? m[2]);
  }
  return out;
}

/** Include paths: "~" is home, relative ones are in ~/.ssh, "*" and "?" match in the last part. */
function expandInclude(pattern: string, home: string): string[] {
  let p = pattern.startsWith("~") ? path.join(home, pattern.slice(1)) : pattern;
  if (!path.isAbsolute(p)) {
    p = path.join(home, ".ssh", p);
  }
  const base = path.basename(p);
  if (!/[*?]/.test(base)) {
    return [p];
  }
  const dir = path.dirname(p);
  const re = new RegExp("^" + base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}
