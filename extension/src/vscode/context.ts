/** The one typed object holding the extension's shared state, handed to every command. */
import * as vscode from "vscode";
import { Backend } from "../core/backend";
import { Phase } from "../core/describe";
import { NameContext } from "../core/names";
import { Store } from "../core/store";
import { ForwardSession, ListeningPort, SyncSession } from "../protocol.gen";

export interface FerryContext {
  readonly extension: vscode.ExtensionContext;
  /** Sessions as the daemon last described them. */
  readonly store: Store;
  /** The `ferry --stdio` child and its restart policy. */
  readonly backend: Backend;
  /** The "Ferry" log: daemon log notifications and the connection's lifecycle. */
  readonly log: vscode.LogOutputChannel;
  /** The environment ferry runs with ($HOME locates ~/.ssh/config). */
  readonly env: NodeJS.ProcessEnv;
  /** The ferry binary found (core/locate), for what is not an API call; "ferry" when none is. */
  ferryPath(): string;
  /** Home and workspace folders, for naming things by place. */
  names(): NameContext;
  /** A session's phase, debounced (core/calm). */
  phaseOf(s: SyncSession): Phase;
  /** The remote process behind a forward, when known. */
  processOf(f: ForwardSession): string | undefined;
  /** Remembers a listing of a host's ports (for forward names). */
  learnPorts(host: string, ports: ListeningPort[]): void;
  /** Tells the views that something they show changed outside the store (names, phases). */
  readonly refresh: vscode.EventEmitter<void>;
}

/** A command: built once from the context, then called by VS Code with its arguments. */
export type CommandFactory = (ctx: FerryContext) => (...args: any[]) => unknown;
