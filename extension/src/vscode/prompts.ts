/** Answers the daemon's prompt/hostKey and prompt/secret requests with editor dialogs. */
import * as vscode from "vscode";
import * as rpc from "vscode-jsonrpc/node";
import { HostKeyAnswer, HostKeyPrompt, SecretAnswer, SecretPrompt } from "../protocol.gen";

export const ACCEPT = "Accept";
/** The error code of a prompt the person dismissed (LSP's RequestCancelled). */
export const REQUEST_CANCELLED = -32800;
export const REJECT = "Reject";

export async function askHostKey(p: HostKeyPrompt): Promise<HostKeyAnswer> {
  const message = p.message || `The authenticity of host ${p.host} (${p.address}) can't be established. Trust it?`;
  const choice = await vscode.window.showWarningMessage(
    message,
    { modal: true, detail: `${p.keyType} key fingerprint: ${p.fingerprint}\nHost: ${p.host} (${p.address})` },
    ACCEPT,
    REJECT,
  );
  return { accept: choice === ACCEPT };
}

export async function askSecret(p: SecretPrompt): Promise<SecretAnswer> {
  const kind = { passphrase: "key passphrase", password: "password", "keyboard-interactive": "answer" }[p.kind] ?? "secret";
  const value = await vscode.window.showInputBox({
    title: `Ferry: ${kind} for ${p.host}`,
    prompt: p.prompt,
    password: !p.echo,
    ignoreFocusOut: true,
  });
  if (value === undefined) {
    throw new rpc.ResponseError(REQUEST_CANCELLED, `the ${kind} prompt for ${p.host} was cancelled`);
  }
  return { value };
}
