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
  /** For a multi-step input: its step and total. */
  step?: number;
  totalSteps?: number;
  /** The tooltips of its buttons ("Back", "Browse…"). */
  buttons?: string[];
  /** The labels selected when it opened (a multi-select pick). */
  selected?: string[];
}

/** A tab of the editor area: a diff or a text document. */
export interface RecordedTab {
  label: string;
  input: TabInputTextDiff | TabInputText;
  closed: boolean;
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
  /** Tabs opened (vscode.diff, showTextDocument), closed ones marked. */
  tabs: [] as RecordedTab[],
  decorationProviders: [] as FileDecorationProvider[],
  /** The conflict (or other virtual) documents whose provider said they changed. */
  contentChanges: [] as string[],
  clipboard: "",
  terminals: [] as { name?: string; cwd?: string }[],
  statusMessages: [] as string[],
  /** Progress notifications: their title, what they reported, and whether they ended. */
  progress: [] as { title?: string; messages: string[]; done: boolean }[],
  /** Tree refreshes: of the whole view ("all") or of how many rows. */
  treeRefreshes: [] as { view: string; what: "all" | number; unknown: number }[],
  /** Settings written with update(). */
  updates: [] as { key: string; value: unknown; target: unknown }[],
  changed(): void {
    this.events.emit("change");
  },
};
recorder.events.setMaxListeners(100);

// ---------------------------------------------------------------- scripting

/** A press of a quick input's button, by its tooltip ("Back", "Browse…"). */
export interface ButtonPress {
  button: string;
}
export type QuickPickAnswer = (items: QuickPickItem[], options: any) => QuickPickItem | QuickPickItem[] | ButtonPress | undefined;
export type InputAnswer = (options: InputBoxOptions & { step?: number; totalSteps?: number }) => string | ButtonPress | undefined;

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

/** Answers the next multi-select quick pick with the items selected when it opened. */
export function acceptSelected(): QuickPickAnswer {
  return (_items, options) => options.selectedItems ?? [];
}

/** Presses a button of the next quick pick or input box. */
export function press(button: string): () => ButtonPress {
  return () => ({ button });
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
  static from(...ds: { dispose(): any }[]): Disposable {
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
  resourceUri?: Uri;
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
  onDidChangeTreeData?: (l: (e: T | T[] | undefined) => void) => Disposable;
  getChildren(element?: T): T[] | Promise<T[]>;
  getTreeItem(element: T): TreeItem | Promise<TreeItem>;
}

export interface TextDocumentContentProvider {
  onDidChange?: (l: (uri: Uri) => void) => Disposable;
  provideTextDocumentContent(uri: Uri): string | Promise<string>;
}

export class FileDecoration {
  propagate?: boolean;
  constructor(
    public badge?: string,
    public tooltip?: string,
    public color?: ThemeColor,
  ) {}
}

export interface FileDecorationProvider {
  onDidChangeFileDecorations?: (l: (uris: Uri | Uri[] | undefined) => void) => Disposable;
  provideFileDecoration(uri: Uri): FileDecoration | undefined | Promise<FileDecoration | undefined>;
}

export class TabInputTextDiff {
  constructor(
    readonly original: Uri,
    readonly modified: Uri,
  ) {}
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}

export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

export interface QuickInputButton {
  iconPath?: unknown;
  tooltip?: string;
}

export const QuickInputButtons = { Back: { tooltip: "Back" } as QuickInputButton };

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

const tabListeners = new EventEmitter<unknown>();

function openTabs(): RecordedTab[] {
  return recorder.tabs.filter((t) => !t.closed);
}

/** Opens a tab, as the editor does for vscode.diff and showTextDocument (the newest is active). */
export function openTab(label: string, input: TabInputTextDiff | TabInputText): RecordedTab {
  const tab = { label, input, closed: false };
  recorder.tabs.push(tab);
  tabListeners.fire({ opened: [tab] });
  recorder.changed();
  return tab;
}

export const tabGroups = {
  get all() {
    return [{ tabs: openTabs(), activeTab: openTabs().at(-1) }];
  },
  get activeTabGroup() {
    return { tabs: openTabs(), activeTab: openTabs().at(-1) };
  },
  onDidChangeTabs: tabListeners.event,
  onDidChangeTabGroups: new EventEmitter<unknown>().event,
  async close(tabs: RecordedTab | RecordedTab[]): Promise<boolean> {
    for (const t of Array.isArray(tabs) ? tabs : [tabs]) {
      t.closed = true;
    }
    tabListeners.fire({ closed: tabs });
    recorder.changed();
    return true;
  },
};

abstract class QuickInput<V> {
  title?: string;
  step?: number;
  totalSteps?: number;
  placeholder?: string;
  ignoreFocusOut = false;
  buttons: QuickInputButton[] = [];
  protected disposed = false;
  protected shown = 0;
  readonly accepted = new EventEmitter<void>();
  readonly hidden = new EventEmitter<void>();
  readonly triggered = new EventEmitter<QuickInputButton>();
  readonly onDidAccept = this.accepted.event;
  readonly onDidHide = this.hidden.event;
  readonly onDidTriggerButton = this.triggered.event;
  protected abstract answer(): V | ButtonPress | undefined | "none";
  protected abstract take(v: V): void;
  show(): void {
    this.shown++;
    setImmediate(() => {
      if (this.disposed) {
        return;
      }
      const a = this.answer();
      if (a === "none") {
        this.hidden.fire();
        return;
      }
      if (a && typeof a === "object" && "button" in (a as object)) {
        const want = (a as ButtonPress).button;
        const b = this.buttons.find((x) => x.tooltip === want);
        if (!b) {
          recorder.unexpected.push(`no button ${want} among ${this.buttons.map((x) => x.tooltip).join(", ")} in "${this.title}"`);
          recorder.changed();
          this.hidden.fire();
          return;
        }
        this.triggered.fire(b);
        return;
      }
      if (a === undefined) {
        this.hidden.fire();
        return;
      }
      this.take(a as V);
      this.accepted.fire();
    });
  }
  hide(): void {
    this.hidden.fire();
  }
  dispose(): void {
    this.disposed = true;
  }
}

class QuickPickImpl extends QuickInput<QuickPickItem | QuickPickItem[]> {
  items: QuickPickItem[] = [];
  selectedItems: QuickPickItem[] = [];
  activeItems: QuickPickItem[] = [];
  canSelectMany = false;
  matchOnDescription = false;
  protected answer() {
    const call: PickerCall = {
      kind: "quickPick",
      title: this.title,
      labels: this.items.map((i) => i.label),
      step: this.step,
      totalSteps: this.totalSteps,
      buttons: this.buttons.map((b) => b.tooltip ?? ""),
      selected: this.selectedItems.map((i) => i.label),
    };
    recorder.pickers.push(call);
    const answer = script.quickPicks.shift();
    if (!answer) {
      recorder.unexpected.push(`quick pick "${this.title}": ${call.labels.join(" | ")}`);
      recorder.changed();
      return "none" as const;
    }
    const picked = answer(this.items, { title: this.title, step: this.step, totalSteps: this.totalSteps, canPickMany: this.canSelectMany, selectedItems: this.selectedItems });
    call.answer = Array.isArray(picked) ? picked.map((p) => p.label).join(",") : picked && "button" in picked ? `[${picked.button}]` : (picked as QuickPickItem | undefined)?.label;
    recorder.changed();
    return picked;
  }
  protected take(v: QuickPickItem | QuickPickItem[]): void {
    this.selectedItems = Array.isArray(v) ? v : [v];
  }
}

class InputBoxImpl extends QuickInput<string> {
  value = "";
  prompt?: string;
  password = false;
  validationMessage?: string;
  readonly changedValue = new EventEmitter<string>();
  readonly onDidChangeValue = this.changedValue.event;
  protected answer() {
    const call: PickerCall = {
      kind: "inputBox",
      title: this.title,
      prompt: this.prompt,
      labels: [],
      value: this.value,
      step: this.step,
      totalSteps: this.totalSteps,
      buttons: this.buttons.map((b) => b.tooltip ?? ""),
    };
    recorder.pickers.push(call);
    const answer = script.inputs.shift();
    if (!answer) {
      recorder.unexpected.push(`input box "${this.title}": ${this.prompt}`);
      recorder.changed();
      return "none" as const;
    }
    const v = answer({ title: this.title, prompt: this.prompt, value: this.value, step: this.step, totalSteps: this.totalSteps });
    call.answer = typeof v === "string" ? v : v ? `[${v.button}]` : undefined;
    recorder.changed();
    return v;
  }
  protected take(v: string): void {
    this.value = v;
    this.changedValue.fire(v);
    // An input the box refuses is a test's mistake: say so instead of waiting forever.
    setImmediate(() => {
      if (!this.disposed && this.validationMessage) {
        recorder.unexpected.push(`input ${JSON.stringify(v)} refused in "${this.title}": ${this.validationMessage}`);
        recorder.changed();
      }
    });
  }
}

export const window = {
  tabGroups,
  createQuickPick<T extends QuickPickItem>(): QuickPickImpl & { items: T[]; selectedItems: T[]; activeItems: T[] } {
    return new QuickPickImpl() as QuickPickImpl & { items: T[]; selectedItems: T[]; activeItems: T[] };
  },
  createInputBox(): InputBoxImpl {
    return new InputBoxImpl();
  },
  registerFileDecorationProvider(p: FileDecorationProvider): Disposable {
    recorder.decorationProviders.push(p);
    p.onDidChangeFileDecorations?.(() => recorder.changed());
    return new Disposable(() => recorder.decorationProviders.splice(recorder.decorationProviders.indexOf(p), 1));
  },
  createTerminal(o: { name?: string; cwd?: string }) {
    recorder.terminals.push({ name: o.name, cwd: o.cwd });
    recorder.changed();
    return { show: () => undefined, dispose: () => undefined };
  },
  setStatusBarMessage(m: string): Disposable {
    recorder.statusMessages.push(m);
    recorder.changed();
    return new Disposable(() => undefined);
  },
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
    // VS Code knows a row by the element object getChildren returned: a refresh of any
    // other object refreshes nothing. Record which refreshed elements it would know.
    const known = new WeakSet<object>();
    const getChildren = provider.getChildren.bind(provider);
    provider.getChildren = (element?: T) => {
      const out = getChildren(element);
      const note = (list: T[]) => {
        list.forEach((x) => typeof x === "object" && x && known.add(x as object));
        return list;
      };
      return out instanceof Promise ? out.then(note) : note(out);
    };
    provider.onDidChangeTreeData?.((e) => {
      const elements = e === undefined ? undefined : Array.isArray(e) ? e : [e];
      recorder.treeRefreshes.push({
        view: id,
        what: elements === undefined ? "all" : elements.length,
        unknown: elements?.filter((x) => !known.has(x as object)).length ?? 0,
      });
      recorder.changed();
    });
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
    if (picked && !Array.isArray(picked) && "button" in picked) {
      recorder.unexpected.push(`a button press (${picked.button}) for quick pick "${options.title}", which has no buttons`);
      recorder.changed();
      return undefined;
    }
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
    if (typeof v === "object") {
      recorder.unexpected.push(`a button press (${v.button}) for input box "${options.title}", which has no buttons`);
      recorder.changed();
      return undefined;
    }
    call.answer = v;
    recorder.changed();
    return v === undefined ? undefined : validated(options, v);
  },
  async showOpenDialog(options: any) {
    recorder.pickers.push({ kind: "openDialog", title: options?.openLabel, labels: [] });
    recorder.changed();
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
    openTab(doc.uri.path.split("/").pop() ?? "", new TabInputText(doc.uri));
    recorder.changed();
    return { document: doc };
  },
  async withProgress<R>(options: { title?: string }, task: (progress: { report(v: { message?: string }): void }, token: unknown) => Promise<R>) {
    recorder.executed.push({ command: "(progress)", args: [options.title] });
    const p = { title: options.title, messages: [] as string[], done: false };
    recorder.progress.push(p);
    recorder.changed();
    try {
      return await task(
        {
          report: (v) => {
            if (v.message) {
              p.messages.push(v.message);
              recorder.changed();
            }
          },
        },
        { isCancellationRequested: false, onCancellationRequested: () => new Disposable(() => undefined) },
      );
    } finally {
      p.done = true;
      recorder.changed();
    }
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
    if (id === "vscode.diff") {
      openTab(String(args[2] ?? ""), new TabInputTextDiff(args[0] as Uri, args[1] as Uri));
    }
    recorder.changed();
    const fn = recorder.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
  async getCommands(): Promise<string[]> {
    return [...recorder.commands.keys()];
  },
};

export const env = {
  clipboard: {
    async writeText(t: string): Promise<void> {
      recorder.clipboard = t;
      recorder.changed();
    },
    async readText(): Promise<string> {
      return recorder.clipboard;
    },
  },
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
  /** Workspace Trust: tests set it false to see what an untrusted folder may not do. */
  isTrusted: true,
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
      async update(key: string, value: unknown, target?: unknown): Promise<void> {
        const full = section ? `${section}.${key}` : key;
        recorder.updates.push({ key: full, value, target });
        setConfiguration(full, value);
      },
    };
  },
  getWorkspaceFolder(uri: Uri) {
    return (workspace.workspaceFolders ?? []).find((f) => uri.path === f.uri.path || uri.path.startsWith(f.uri.path + "/"));
  },
  onDidChangeConfiguration: configListeners.event,
  registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable {
    recorder.contentProviders.set(scheme, provider);
    provider.onDidChange?.((uri) => {
      recorder.contentChanges.push(uri.toString());
      recorder.changed();
    });
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
