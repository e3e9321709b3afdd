/** The one typed object holding the extension's shared state, handed to every command. */
import * as vscode from "vscode";
import { Backend } from "../core/backend";
import { Store } from "../core/store";

export interface FerryContext {
  readonly extension: vscode.ExtensionContext;
  /** Sessions as the daemon last described them. */
  readonly store: Store;
  /** The `ferry --stdio` child and its restart policy. */
  readonly backend: Backend;
  /** The "Ferry" log: daemon log notifications and the backend's lifecycle. */
  readonly log: vscode.LogOutputChannel;
  /** The environment the backend runs with ($HOME locates ~/.ssh/config). */
  readonly env: NodeJS.ProcessEnv;
  /** The ferry binary (the ferry.path setting), for what is not an API call. */
  ferryPath(): string;
}

/** A command: built once from the context, then called by VS Code with its arguments. */
export type CommandFactory = (ctx: FerryContext) => (...args: any[]) => unknown;
