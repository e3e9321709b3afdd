/** Building and reading endpoint strings (sync URLs and forward addresses). */

/** A sync endpoint URL for a host ("" for this machine) and a path. */
export function syncURL(host: string, path: string): string {
  return host === "" ? path : `${host}:${path}`;
}

/** Whether a sync URL names an SSH host (as the daemon decides: scp-style). */
export function isRemoteURL(url: string): boolean {
  if (/^(\/|\.\/|\.\.\/|~|\.$|\.\.$)/.test(url) || /^[A-Za-z]:[\\/]/.test(url)) {
    return false;
  }
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  return colon > 0 && (slash < 0 || colon < slash);
}

/** A container endpoint: docker://[user@]container/path or podman://... */
const CONTAINER = /^((?:docker|podman):\/\/[^/]+)(?:\/|$)/i;

/**
 * The host part of a remote sync URL, or "" for a local one; for a container, the
 * engine and the container ("docker://me@web"), as a forward's side is prefixed.
 */
export function hostOf(url: string): string {
  if (!isRemoteURL(url)) {
    return "";
  }
  const container = CONTAINER.exec(url);
  if (container) {
    return container[1];
  }
  if (url.includes("[")) {
    const end = url.indexOf("]");
    return url.slice(0, end + 1);
  }
  return url.slice(0, url.indexOf(":"));
}

/** A forward address: tcp:localhost:PORT, prefixed by an SSH host when remote. */
export function forwardAddress(host: string, port: number): string {
  const addr = `tcp:localhost:${port}`;
  return host === "" ? addr : `${host}:${addr}`;
}

/**
 * The http URL to open for a forward whose source listens locally on TCP, or undefined
 * (a remote or unix listener).
 */
export function browserURL(source: string): string | undefined {
  const m = /^tcp[46]?:(.*):(\d+)$/.exec(source);
  if (!m) {
    return undefined;
  }
  let host = m[1];
  if (host === "" || host === "0.0.0.0" || host === "[::]" || host === "::") {
    host = "localhost";
  }
  if (host.includes(":") && !host.startsWith("[")) {
    return undefined; // an SSH host prefix: the listener is remote
  }
  return `http://${host}:${m[2]}`;
}

/** A session name derived from a folder name: a letter first, then letters, digits, '-'. */
export function sessionName(folder: string): string {
  let s = folder.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  if (!/^[A-Za-z]/.test(s)) {
    s = "s-" + s;
  }
  return s.replace(/-+$/, "").slice(0, 60) || "sync";
}
