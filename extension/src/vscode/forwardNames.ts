/**
 * Names forwards after the process behind them, as VS Code's Ports view does: the
 * ports listening on each remote host a forward reaches are listed once (remote/ports)
 * when a forward to that host appears, and a forward shows the process that listens
 * on its destination port ("python3 · devbox:47180 → localhost:47181").
 */
import * as vscode from "vscode";
import { ForwardSession, ListeningPort, Method } from "../protocol.gen";
import { parseForwardAddress } from "../core/names";
import { FerryContext } from "./context";

export interface ForwardNames extends vscode.Disposable {
  processOf(f: ForwardSession): string | undefined;
  /** Remembers what a listing of host's ports said (the Forward a Port command has one). */
  learn(host: string, ports: ListeningPort[]): void;
}

export function createForwardNames(ctx: FerryContext): ForwardNames {
  const byHost = new Map<string, Map<number, string>>();
  const asked = new Set<string>();
  const learn = (host: string, ports: ListeningPort[]) => {
    const m = new Map<number, string>();
    for (const p of ports) {
      if (p.process) {
        m.set(p.port, p.process);
      }
    }
    byHost.set(host, m);
    ctx.refresh.fire();
  };
  const ask = (host: string) => {
    if (asked.has(host)) {
      return;
    }
    asked.add(host);
    ctx.backend
      .request(Method.RemotePorts, { host })
      .then((r) => learn(host, r.ports ?? []))
      .catch((e) => ctx.log.debug(`listing the ports of ${host} for forward names: ${(e as Error).message}`));
  };
  const unsubscribe = ctx.store.subscribe((state, action) => {
    if (action.type === "backend" && action.status.state !== "running") {
      asked.clear();
    }
    if (state.backend.state !== "running") {
      return;
    }
    for (const id of state.forwardOrder) {
      const d = parseForwardAddress(state.forwards[id].destination);
      if (d?.host && d.network !== "unix") {
        ask(d.host);
      }
    }
  });
  return {
    processOf(f) {
      const d = parseForwardAddress(f.destination);
      return d?.host && d.port ? byHost.get(d.host)?.get(d.port) : undefined;
    },
    learn,
    dispose: unsubscribe,
  };
}
