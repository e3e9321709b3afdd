/** Ferry: Forward a Port: listen on localhost here, connect to a port on an SSH host. */
import * as vscode from "vscode";
import { ListeningPort, Method } from "../../protocol.gen";
import { FerryError } from "../../core/backend";
import { browserURL, forwardAddress } from "../../core/endpoints";
import { forwardTitle } from "../../core/names";
import { freePort, isPortFree } from "../../core/ports";
import { CommandFactory, FerryContext } from "../context";
import { pickHost } from "../pick";

const title = "Ferry: Forward a Port";
export const OPEN_IN_BROWSER = "Open in Browser";

interface PortItem extends vscode.QuickPickItem {
  port?: number;
}

function validPort(v: string): string | undefined {
  const n = Number(v.trim());
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : "Enter a port from 1 to 65535";
}

export const forwardPort: CommandFactory = (ctx) => async () => {
  const host = await pickHost(ctx, `${title}: from which host?`, false);
  if (!host) {
    return;
  }
  const port = await pickRemotePort(ctx, host);
  if (port === undefined) {
    return;
  }
  let local = port;
  if (!(await isPortFree(port))) {
    const suggestion = await freePort();
    const typed = await vscode.window.showInputBox({
      title,
      prompt: `Port ${port} is in use on this machine: local port to listen on`,
      value: String(suggestion),
      validateInput: validPort,
    });
    if (!typed) {
      return;
    }
    local = Number(typed.trim());
  }
  const source = forwardAddress("", local);
  const destination = forwardAddress(host, port);
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ferry: forwarding localhost:${local} to ${host}:${port}…` },
    () => ctx.backend.request(Method.ForwardCreate, { source, destination }),
  );
  ctx.log.info(`created forward ${forwardTitle(r.session, ctx.processOf(r.session))}`);
  const url = browserURL(source);
  const choice = await vscode.window.showInformationMessage(
    `Ferry: localhost:${local} now reaches port ${port} on ${host}.`,
    OPEN_IN_BROWSER,
  );
  if (choice === OPEN_IN_BROWSER && url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }
  return r.session;
};

/** A port listening on host, picked from remote/ports, or typed in. */
async function pickRemotePort(ctx: FerryContext, host: string): Promise<number | undefined> {
  let ports: ListeningPort[] = [];
  try {
    ports = (
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Ferry: listing ports on ${host}…` },
        () => ctx.backend.request(Method.RemotePorts, { host }),
      )
    ).ports ?? [];
    ctx.learnPorts(host, ports);
  } catch (e) {
    const msg = e instanceof FerryError && e.methodNotFound ? "this ferry daemon cannot list remote ports" : (e as Error).message;
    ctx.log.warn(`remote/ports ${host}: ${msg}`);
    void vscode.window.showWarningMessage(`Ferry: cannot list the ports of ${host} (${msg}); enter the port.`);
  }
  const seen = new Set<number>();
  const items: PortItem[] = [];
  for (const p of [...ports].sort((a, b) => a.port - b.port)) {
    if (seen.has(p.port)) {
      continue;
    }
    seen.add(p.port);
    const proc = p.process ? ` · ${p.process}${p.pid ? ` (${p.pid})` : ""}` : "";
    items.push({ label: String(p.port), description: `${p.network} ${p.address}${proc}`, port: p.port });
  }
  items.push({ label: "$(edit) Enter a port…" });
  const picked = await vscode.window.showQuickPick(items, {
    title: `${title}: port on ${host}`,
    placeHolder: ports.length ? "A port listening on the host" : "No listening ports found; enter one",
  });
  if (!picked) {
    return undefined;
  }
  if (picked.port !== undefined) {
    return picked.port;
  }
  const typed = await vscode.window.showInputBox({ title, prompt: `Port on ${host}`, validateInput: validPort });
  return typed ? Number(typed.trim()) : undefined;
}
