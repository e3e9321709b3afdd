/**
 * Which `ferry` binary the extension starts, decided the way language-server extensions
 * decide (rust-analyzer's server.path): the ferry.path setting when a person set it;
 * else the binary shipped inside a platform-specific VSIX; else `ferry` on the PATH the
 * extension host has; else the usual install places, which a PATH rebuilt from a login
 * shell often lacks (~/go/bin, ~/.local/bin, /usr/local/bin, Homebrew). Pure: the file
 * system is asked through isExecutable. No vscode import.
 */
import * as path from "path";

export type Source = "setting" | "bundled" | "path" | "usual";

export type Located =
  | { found: true; path: string; source: Source }
  | {
      found: false;
      /** A sentence saying what was looked for and where. */
      reason: string;
      /** The places looked at, in order. */
      searched: string[];
    };

export interface LocateInput {
  /** The ferry.path setting; "" (or the old default "ferry") means not set. */
  setting: string | undefined;
  /** The binary inside the extension (a platform-specific VSIX), if this build has one. */
  bundled?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  isExecutable(file: string): boolean;
}

/** The usual places a ferry binary is installed in, for a platform and home. */
export function usualPlaces(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.GOBIN) {
    dirs.push(env.GOBIN);
  }
  if (env.GOPATH) {
    dirs.push(...env.GOPATH.split(path.delimiter).filter(Boolean).map((p) => path.join(p, "bin")));
  }
  if (home) {
    dirs.push(path.join(home, "go", "bin"), path.join(home, ".local", "bin"), path.join(home, "bin"));
  }
  if (platform === "win32") {
    const local = env.LOCALAPPDATA;
    if (local) {
      dirs.push(path.join(local, "Programs", "ferry"));
    }
  } else {
    dirs.push("/usr/local/bin", "/opt/homebrew/bin", "/home/linuxbrew/.linuxbrew/bin", "/usr/bin");
  }
  return [...new Set(dirs)];
}

export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "ferry.exe" : "ferry";
}

export function locateFerry(input: LocateInput): Located {
  const name = binaryName(input.platform);
  const setting = (input.setting ?? "").trim();
  const searched: string[] = [];
  const tryFile = (file: string): boolean => {
    searched.push(file);
    return input.isExecutable(file);
  };
  const onPath = (command: string): string | undefined => {
    const dirs = (input.env.PATH ?? input.env.Path ?? "").split(path.delimiter).filter(Boolean);
    for (const d of dirs) {
      const file = path.join(d, command);
      if (tryFile(file)) {
        return file;
      }
    }
    return undefined;
  };

  if (setting !== "" && setting !== "ferry") {
    if (setting.includes("/") || setting.includes("\\")) {
      const file = setting.startsWith("~") && input.home ? path.join(input.home, setting.slice(1)) : setting;
      if (tryFile(file)) {
        return { found: true, path: file, source: "setting" };
      }
      return { found: false, reason: `ferry.path is set to ${setting}, which is not an executable file`, searched };
    }
    const hit = onPath(setting);
    if (hit) {
      return { found: true, path: hit, source: "setting" };
    }
    return { found: false, reason: `ferry.path is set to ${setting}, which is not on the PATH`, searched };
  }
  if (input.bundled && tryFile(input.bundled)) {
    return { found: true, path: input.bundled, source: "bundled" };
  }
  const hit = onPath(name);
  if (hit) {
    return { found: true, path: hit, source: "path" };
  }
  for (const d of usualPlaces(input.platform, input.home, input.env)) {
    const file = path.join(d, name);
    if (!searched.includes(file) && tryFile(file)) {
      return { found: true, path: file, source: "usual" };
    }
  }
  const places = usualPlaces(input.platform, input.home, input.env).map((d) => tildify(d, input.home));
  return {
    found: false,
    reason: `the ferry program was not found: this build of the extension does not include it, and it is not on the PATH nor in ${places.join(", ")}`,
    searched,
  };
}

/** A path with the home directory written ~. */
export function tildify(p: string, home: string): string {
  if (home && (p === home || p.startsWith(home + path.sep) || p.startsWith(home + "/"))) {
    return "~" + p.slice(home.length);
  }
  return p;
}
