/**
 * A recording stand-in for the `vscode` module, loaded instead of it (see register.ts).
 * It implements the part of the API the extension uses, records what a person would
 * see (status bar, trees, messages, pickers, executed commands, opened URLs, log lines),
 * and answers pickers, input boxes and message buttons from a script the test writes.
 * Every change emits "change" on `recorder.events`, so tests wait on events.
 */
import { EventEmitter as NodeEmitter } from "events";

// ---------------------------------------------------------------- recording

export interface ShownMessage {
  level: "info" | "warning" | "error";
  message: string;
  items: string[];
  options?: { modal?: boolean; detail?: string };
  answer?: string;
}

export interface PickerCall {
  kind: "quickPick" | "inputBox" | "openDialog";
  title?: string;
  prompt?: string;
  labels: string[];
  password?: boolean;
  value?: string;
  answer?: string;
}

export const recorder = {
  events: new NodeEmitter(),
  statusItems: [] as StatusBarItem[],
  /** Every distinct (text, background) the status bar items showed, in order. */
  statusHistory: [] as { text: string; background?: string }[],
  treeViews: new Map<string, TreeDataProvider<unknown>>(),
  commands: new Map<string, (...args: any[]) => unknown>(),
  executed: [] as { command: string; args: unknown[] }[],
  messages: [] as ShownMessage[],
  pickers: [] as PickerCall[],
  /** Pickers or dialogs that came with no scripted answer (answered with undefined). */
  unexpected: [] as string[],
  external: [] as string[],
  logs: [] as { level: string; message: string }[],
  contexts: new Map<string, unknown>(),
  contentProviders: new Map<string, TextDocumentContentProvider>(),
  /** Documents shown in an editor, with the line the selection starts on (0-based). */
  shownDocuments: [] as { path: string; line?: number }[],
  /** The glob patterns of the file system watchers created. */
  watchers: [] as FileSystemWatcher[],
  changed(): void {
    this.events.emit("change");
  },
};
recorder.events.setMaxListeners(100);

// ---------------------------------------------------------------- scripting

export type QuickPickAnswer = (items: QuickPickItem[], options: any) => QuickPickItem | QuickPickItem[] | undefined;
export type InputAnswer = (options: InputBoxOptions) => string | undefined;

export const script = {
  quickPicks: [] as QuickPickAnswer[],
  inputs: [] as InputAnswer[],
  openDialogs: [] as (string | undefined)[],
  /** Rules for message buttons: the first rule whose pattern matches answers. */
  messageRules: [] as { pattern: RegExp; answer: string | undefined; once: boolean }[],
};

/** Answers the next quick pick with the item whose label contains text. */
export function pickLabel(text: string): QuickPickAnswer {
  return (items) => {
    const found = items.find((i) => i.kind !== QuickPickItemKind.Separator && i.label.includes(text));
    if (!found) {
      throw new Error(`no quick pick item contains ${JSON.stringify(text)} among ${items.map((i) => i.label).join(" | ")}`);
    }
    return found;
  };
}

/** Answers the next input box with value (checked by its validateInput first). */
export function typeValue(value: string): InputAnswer {
  return () => value;
}

export function answerMessages(pattern: RegExp, answer: string | undefined, once = false): void {
  script.messageRules.push({ pattern, answer, once });
}

// ---------------------------------------------------------------- basics

export class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  readonly event = (listener: (e: T) => void) => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    [...this.listeners].forEach((l) => l(e));
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? "", c.path ?? "", c.query ?? "", c.fragment ?? "");
  }
  static file(p: string): Uri {
    return new Uri("file", "", p, "", "");
  }
  static parse(s: string): Uri {
    const u = new URL(s);
    return new Uri(u.protocol.replace(/:$/, ""), u.host, decodeURIComponent(u.pathname), u.search.replace(/^\?/, ""), u.hash.replace(/^#/, ""));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    const auth = this.authority || this.scheme === "file" ? `//${this.authority}` : "";
    return `${this.scheme}:${auth}${this.path}${this.query ? "?" + this.query : ""}${this.fragment ? "#" + this.fragment : ""}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
    this.start = new Position(startLine, startCharacter);
    this.end = new Position(endLine, endCharacter);
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: string;
  contextValue?: string;
  iconPath?: ThemeIcon;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export interface QuickPickItem {
  label: string;
  kind?: QuickPickItemKind;
  description?: string;
  detail?: string;
}

export interface InputBoxOptions {
  title?: string;
  prompt?: string;
  value?: string;
  placeHolder?: string;
  password?: boolean;
  validateInput?: (v: string) => string | undefined | null | Promise<string | undefined | null>;
}

export interface TreeDataProvider<T> {
  onDidChangeTreeData?: (l: (e: T | undefined) => void) => Disposable;
  getChildren(element?: T): T[] | Promise<T[]>;
  getTreeItem(element: T): TreeItem | Promise<TreeItem>;
}

export interface TextDocumentContentProvider {
  provideTextDocumentContent(uri: Uri): string | Promise<string>;
}

// ---------------------------------------------------------------- window

export class StatusBarItem {
  name?: string;
  tooltip?: string;
  command?: unknown;
  visible = false;
  private _text = "";
  private _bg?: ThemeColor;
  constructor(readonly id: string) {}
  get text(): string {
    return this._text;
  }
  set text(t: string) {
    this._text = t;
    this.record();
  }
  get backgroundColor(): ThemeColor | undefined {
    return this._bg;
  }
  set backgroundColor(c: ThemeColor | undefined) {
    this._bg = c;
    this.record();
  }
  private record(): void {
    const last = recorder.statusHistory[recorder.statusHistory.length - 1];
    const entry = { text: this._text, background: this._bg?.id };
    if (!last || last.text !== entry.text || last.background !== entry.background) {
      recorder.statusHistory.push(entry);
    }
    recorder.changed();
  }
  show(): void {
    this.visible = true;
    recorder.changed();
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.visible = false;
    const i = recorder.statusItems.indexOf(this);
    if (i >= 0) {
      recorder.statusItems.splice(i, 1);
    }
  }
}

class LogOutputChannel {
  constructor(readonly name: string) {}
  private add(level: string, message: string): void {
    recorder.logs.push({ level, message });
    recorder.changed();
  }
  trace(m: string): void {
    this.add("trace", m);
  }
  debug(m: string): void {
    this.add("debug", m);
  }
  info(m: string): void {
    this.add("info", m);
  }
  warn(m: string): void {
    this.add("warn", m);
  }
  error(m: string | Error): void {
    this.add("error", String(m));
  }
  append(m: string): void {
    this.add("info", m);
  }
  appendLine(m: string): void {
    this.add("info", m);
  }
  shown = false;
  show(): void {
    this.shown = true;
    recorder.executed.push({ command: "(output channel show)", args: [this.name] });
    recorder.changed();
  }
  clear(): void {}
  hide(): void {}
  dispose(): void {}
}

function showMessage(level: ShownMessage["level"], message: string, rest: any[]): Promise<string | undefined> {
  let options: ShownMessage["options"];
  if (rest.length && typeof rest[0] === "object" && rest[0] !== null && !("title" in rest[0])) {
    options = rest.shift();
  }
  const items = rest.map((i) => (typeof i === "string" ? i : i.title));
  const rule = script.messageRules.find((r) => r.pattern.test(message));
  if (rule?.once) {
    script.messageRules.splice(script.messageRules.indexOf(rule), 1);
  }
  const answer = rule && rule.answer !== undefined && items.includes(rule.answer) ? rule.answer : undefined;
  recorder.messages.push({ level, message, items, options, answer });
  recorder.changed();
  return Promise.resolve(answer);
}

async function validated(options: InputBoxOptions, value: string): Promise<string> {
  const problem = options.validateInput ? await options.validateInput(value) : undefined;
  if (problem) {
    throw new Error(`input ${JSON.stringify(value)} refused by validateInput: ${problem}`);
  }
  return value;
}

export const window = {
  createStatusBarItem(id?: string): StatusBarItem {
    const item = new StatusBarItem(String(id));
    recorder.statusItems.push(item);
    return item;
  },
  createOutputChannel(name: string): LogOutputChannel {
    return new LogOutputChannel(name);
  },
  createTreeView<T>(id: string, options: { treeDataProvider: TreeDataProvider<T> }) {
    window.registerTreeDataProvider(id, options.treeDataProvider);
    return { dispose: () => recorder.treeViews.delete(id) };
  },
  registerTreeDataProvider<T>(id: string, provider: TreeDataProvider<T>): Disposable {
    recorder.treeViews.set(id, provider as TreeDataProvider<unknown>);
    provider.onDidChangeTreeData?.(() => recorder.changed());
    recorder.changed();
    return new Disposable(() => recorder.treeViews.delete(id));
  },
  showInformationMessage: (m: string, ...rest: any[]) => showMessage("info", m, rest),
  showWarningMessage: (m: string, ...rest: any[]) => showMessage("warning", m, rest),
  showErrorMessage: (m: string, ...rest: any[]) => showMessage("error", m, rest),
  async showQuickPick(itemsOrPromise: QuickPickItem[] | Promise<QuickPickItem[]>, options: any = {}) {
    const items = await itemsOrPromise;
    const call: PickerCall = { kind: "quickPick", title: options.title, labels: items.map((i) => i.label) };
    recorder.pickers.push(call);
    const answer = script.quickPicks.shift();
    if (!answer) {
      recorder.unexpected.push(`quick pick "${options.title}": ${call.labels.join(" | ")}`);
      recorder.changed();
      return undefined;
    }
    const picked = answer(items, options);
    call.answer = Array.isArray(picked) ? picked.map((p) => p.label).join(",") : picked?.label;
    recorder.changed();
    return picked;
  },
  async showInputBox(options: InputBoxOptions = {}) {
    const call: PickerCall = { kind: "inputBox", title: options.title, prompt: options.prompt, labels: [], password: options.password, value: options.value };
    recorder.pickers.push(call);
    const answer = script.inputs.shift();
    if (!answer) {
      recorder.unexpected.push(`input box "${options.title}": ${options.prompt}`);
      recorder.changed();
      return undefined;
    }
    const v = answer(options);
    call.answer = v;
    recorder.changed();
    return v === undefined ? undefined : validated(options, v);
  },
  async showOpenDialog(options: any) {
    recorder.pickers.push({ kind: "openDialog", title: options?.openLabel, labels: [] });
    if (!script.openDialogs.length) {
      recorder.unexpected.push(`open dialog ${options?.openLabel}`);
      recorder.changed();
      return undefined;
    }
    const p = script.openDialogs.shift();
    return p === undefined ? undefined : [Uri.file(p)];
  },
  async showTextDocument(doc: TextDocument, options?: { selection?: Range }) {
    recorder.shownDocuments.push({ path: doc.uri.fsPath, line: options?.selection?.start.line });
    recorder.changed();
    return { document: doc };
  },
  async withProgress<R>(options: { title?: string }, task: (progress: { report(v: unknown): void }, token: unknown) => Promise<R>) {
    recorder.executed.push({ command: "(progress)", args: [options.title] });
    return task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: () => new Disposable(() => undefined) });
  },
};

// ---------------------------------------------------------------- commands, env

export const commands = {
  registerCommand(id: string, fn: (...args: any[]) => unknown): Disposable {
    if (recorder.commands.has(id)) {
      throw new Error(`command ${id} already exists`);
    }
    recorder.commands.set(id, fn);
    return new Disposable(() => recorder.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    if (id === "setContext") {
      recorder.contexts.set(String(args[0]), args[1]);
      recorder.changed();
      return undefined;
    }
    recorder.executed.push({ command: id, args });
    recorder.changed();
    const fn = recorder.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
  async getCommands(): Promise<string[]> {
    return [...recorder.commands.keys()];
  },
};

export const env = {
  async openExternal(uri: Uri): Promise<boolean> {
    recorder.external.push(uri.toString());
    recorder.changed();
    return true;
  },
};

// ---------------------------------------------------------------- workspace

const settings = new Map<string, unknown>();
const configListeners = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

/** Sets a setting ("ferry.path") and tells the extension, as the settings editor does. */
export function setConfiguration(key: string, value: unknown): void {
  settings.set(key, value);
  configListeners.fire({ affectsConfiguration: (s: string) => key === s || key.startsWith(s + ".") });
}

export interface TextDocument {
  uri: Uri;
  getText(): string;
}

/** A file system watcher: VS Code's watches the disk; this one fires when a test says a file changed (fileEvent). */
export class FileSystemWatcher {
  readonly created = new EventEmitter<Uri>();
  readonly changedFiles = new EventEmitter<Uri>();
  readonly deleted = new EventEmitter<Uri>();
  readonly onDidCreate = this.created.event;
  readonly onDidChange = this.changedFiles.event;
  readonly onDidDelete = this.deleted.event;
  disposed = false;
  constructor(readonly glob: string) {}
  /** Whether the watcher's glob covers path (the "**\/name" and "name" forms). */
  matches(path: string): boolean {
    const name = this.glob.replace(/^\*\*\//, "");
    return path === name || path.endsWith("/" + name);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** Tells the watchers that cover path that it was created, changed or deleted, as VS Code does after the disk changes. */
export function fileEvent(kind: "create" | "change" | "delete", path: string): void {
  for (const w of recorder.watchers) {
    if (!w.disposed && w.matches(path)) {
      ({ create: w.created, change: w.changedFiles, delete: w.deleted })[kind].fire(Uri.file(path));
    }
  }
}

const folderListeners = new EventEmitter<{ added: unknown[]; removed: unknown[] }>();

export const workspace = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  onDidChangeWorkspaceFolders: folderListeners.event,
  createFileSystemWatcher(glob: string): FileSystemWatcher {
    const w = new FileSystemWatcher(glob);
    recorder.watchers.push(w);
    return w;
  },
  async openTextDocument(uri: Uri): Promise<TextDocument> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const text = (require("fs") as typeof import("fs")).readFileSync(uri.fsPath, "utf8");
    return { uri, getText: () => text };
  },
  getConfiguration(section?: string) {
    return {
      get<T>(key: string, def?: T): T | undefined {
        const full = section ? `${section}.${key}` : key;
        return settings.has(full) ? (settings.get(full) as T) : def;
      },
    };
  },
  onDidChangeConfiguration: configListeners.event,
  registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable {
    recorder.contentProviders.set(scheme, provider);
    return new Disposable(() => recorder.contentProviders.delete(scheme));
  },
};

export function setWorkspaceFolders(paths: string[]): void {
  const before = workspace.workspaceFolders ?? [];
  workspace.workspaceFolders = paths.map((p, index) => ({ uri: Uri.file(p), name: p.split("/").pop() ?? p, index }));
  folderListeners.fire({
    added: workspace.workspaceFolders.filter((f) => !before.some((b) => b.uri.path === f.uri.path)),
    removed: before.filter((b) => !paths.includes(b.uri.path)),
  });
}
