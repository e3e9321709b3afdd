/**
 * The names a person knows things by: a sync session as "proj ⇄ devbox:~/proj", its
 * sides as "this machine" and "devbox", a forward as "python3 · devbox:47180 →
 * localhost:47181". Identifiers (sync_…, fwrd_…) and the words alpha and beta never
 * appear in what these return, unless the person chose them as a name. Pure; no
 * vscode import.
 */
import * as path from "path";
import { ForwardSession, SyncSession } from "../protocol.gen";
import { hostOf, isRemoteURL } from "./endpoints";
import { tildify } from "./locate";
import { entryName, LABEL_PROJECT } from "./project";

export type SideKey = "alpha" | "beta";

/** What the names depend on besides the session: the home directory and the open folders. */
export interface NameContext {
  home: string;
  /** Local paths of the workspace folders. */
  folders: readonly string[];
  /** The directories of known projects, by project id (their sessions' ferry-project label). */
  projectDirs?: Readonly<Record<string, string>>;
}

export const THIS_MACHINE = "this machine";

/**
 * The host of an SSH URL without its user and port ("me@devbox:2222:/x" → "devbox");
 * a container's name ("docker://me@web/srv" → "web").
 */
export function hostName(url: string): string {
  const h = hostOf(url).replace(/^(docker|podman):\/\//i, "");
  return h.replace(/^[^@]*@/, "");
}

/** An endpoint URL as shown: local paths with ~ for the home directory; remote ones as given. */
export function shortURL(url: string, ctx: NameContext): string {
  if (isRemoteURL(url)) {
    return url.replace(/^[^@:]*@/, "");
  }
  return tildify(url, ctx.home);
}

function isLocal(s: SyncSession, side: SideKey): boolean {
  return !isRemoteURL(s[side].url);
}

/**
 * A side by its place: the host for an SSH side; "this machine" for a local side
 * across from a remote one; the folder's name when both sides are local (its
 * ~-path when both have the same name).
 */
export function sideName(s: SyncSession, side: SideKey, ctx: NameContext): string {
  const other: SideKey = side === "alpha" ? "beta" : "alpha";
  const url = s[side].url;
  if (!isLocal(s, side)) {
    const h = hostName(url);
    return isLocal(s, other) || hostName(s[other].url) !== h ? h : shortURL(url, ctx);
  }
  if (!isLocal(s, other)) {
    return THIS_MACHINE;
  }
  const mine = path.basename(url);
  return mine !== path.basename(s[other].url) ? mine : tildify(url, ctx.home);
}

/** "this machine's" / "devbox's". */
export function possessive(name: string): string {
  return name.endsWith("s") ? `${name}'` : `${name}'s`;
}

/** Whether the mode sends changes one way only. */
export function oneWay(s: SyncSession): boolean {
  return /^one-way/.test(s.config?.mode ?? "");
}

/** How a local side is written in a title: a workspace folder by its name, else its ~-path. */
function localTitle(url: string, ctx: NameContext, base?: string): string {
  if (base && (url === base || url.startsWith(base + path.sep))) {
    const rel = path.relative(base, url);
    return rel === "" ? path.basename(base) : rel;
  }
  if (ctx.folders.includes(url)) {
    return path.basename(url);
  }
  return tildify(url, ctx.home);
}

/** The directory of the project a session belongs to, when known. */
export function projectDirOf(s: { labels?: Record<string, string> }, ctx: NameContext): string | undefined {
  const id = s.labels?.[LABEL_PROJECT];
  return id ? ctx.projectDirs?.[id] : undefined;
}

/**
 * A sync session's title: "proj ⇄ devbox:~/proj" (→ for the one-way modes); a project
 * session starts with its entry's name ("code · src ⇄ devbox:~/src", sides relative to
 * the project's folder).
 */
export function syncTitle(s: SyncSession, ctx: NameContext): string {
  const base = projectDirOf(s, ctx);
  const side = (k: SideKey) => (isLocal(s, k) ? localTitle(s[k].url, ctx, base) : shortURL(s[k].url, ctx));
  const arrow = oneWay(s) ? "→" : "⇄";
  const title = `${side("alpha")} ${arrow} ${side("beta")}`;
  if (s.labels?.[LABEL_PROJECT]) {
    return `${entryName(s)} · ${title}`;
  }
  return title;
}

/** A forward address taken apart: the SSH host it is on ("" here), its network, and the address. */
export interface ForwardAddress {
  host: string;
  network: "tcp" | "tcp4" | "tcp6" | "unix";
  /** HOST:PORT for TCP, the socket's path for unix. */
  address: string;
  port?: number;
}

export function parseForwardAddress(s: string): ForwardAddress | undefined {
  const m = /^(?:(.*?):)?(tcp|tcp4|tcp6|unix):(.*)$/.exec(s);
  if (!m) {
    return undefined;
  }
  const network = m[2] as ForwardAddress["network"];
  const address = m[3];
  const port = network === "unix" ? undefined : Number(/:(\d+)$/.exec(address)?.[1]);
  return { host: m[1] ?? "", network, address, port: Number.isFinite(port) ? port : undefined };
}

const loopback = /^(localhost|127\.0\.0\.1|\[::1\]|::1|0\.0\.0\.0|\[::\]|)$/;

/** An address as shown: "localhost:8080", "devbox:3000", "devbox → 10.0.0.5:3000", "devbox:/run/docker.sock". */
export function shortAddress(s: string): string {
  const a = parseForwardAddress(s);
  if (!a) {
    return s;
  }
  const host = a.host.replace(/^[^@]*@/, "").replace(/:\d+$/, "");
  if (a.network === "unix") {
    return host ? `${host}:${a.address}` : a.address;
  }
  const addrHost = a.address.replace(/:\d+$/, "");
  const local = loopback.test(addrHost);
  if (!host) {
    return local ? `localhost:${a.port}` : a.address;
  }
  return local ? `${host}:${a.port}` : `${host} → ${a.address}`;
}

/**
 * A forward's title: what is reached, then where it is reached from, after the
 * forward's name or the remote process's ("python3 · devbox:47180 → localhost:47181").
 */
export function forwardTitle(f: ForwardSession, process?: string): string {
  const what = `${shortAddress(f.destination)} → ${shortAddress(f.source)}`;
  const named = f.name && !f.labels?.[LABEL_PROJECT] ? f.name : f.labels?.[LABEL_PROJECT] ? entryName(f) : undefined;
  const prefix = named ?? process;
  return prefix ? `${prefix} · ${what}` : what;
}

/** The address a person opens: the source's local TCP address ("localhost:47181"), if it is one. */
export function localAddress(f: ForwardSession): string | undefined {
  const a = parseForwardAddress(f.source);
  if (!a || a.host || a.network === "unix") {
    return undefined;
  }
  return shortAddress(f.source);
}
