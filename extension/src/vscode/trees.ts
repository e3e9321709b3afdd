/**
 * The Sync and Forward tree views: adapters from core/tree to vscode.TreeDataProvider.
 * A state change refreshes only the rows of the sessions that changed (VS Code knows a
 * row by the node object it was given, so there is one object per node key), at most
 * every THROTTLE_MS, so the tree keeps up with the status bar during a sync.
 *
 * Why THROTTLE_MS is above 200: the extension host debounces a tree's change events by
 * 200 ms (leading edge first). Events closer together than that keep pushing the
 * debounce back, and during a long sync (a state every few tens of milliseconds) the
 * rows would not change until it ended: the "tree trails the status bar" of issue 12.
 * Spaced wider, every refresh lands on a leading edge and shows at once.
 */
import * as vscode from "vscode";
import { State } from "../core/store";
import { children, forwardRoots, item, Node, nodeKey, sessionOf, syncRoots, TreeContext } from "../core/tree";
import { FerryContext } from "./context";

const THROTTLE_MS = 300;

class Provider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** One object per node key, as VS Code needs for a partial refresh. */
  private readonly nodes = new Map<string, Node>();
  private pending = new Set<string>();
  private all = false;
  private timer?: NodeJS.Timeout;
  private last = 0;

  constructor(
    private readonly ctx: FerryContext,
    private readonly roots: (s: State) => Node[],
  ) {}

  private intern(n: Node): Node {
    const key = nodeKey(n);
    const had = this.nodes.get(key);
    if (had && JSON.stringify(had) === JSON.stringify(n)) {
      return had;
    }
    this.nodes.set(key, n);
    return n;
  }

  private treeContext(): TreeContext {
    return { ...this.ctx.names(), phaseOf: (s) => this.ctx.phaseOf(s), processOf: (f) => this.ctx.processOf(f) };
  }

  /** Asks for the rows of sessions (or, with none, of the whole tree) to be refreshed soon. */
  invalidate(sessions?: string[]): void {
    if (!sessions) {
      this.all = true;
    } else {
      sessions.forEach((s) => this.pending.add(s));
    }
    if (this.timer) {
      return;
    }
    const wait = Math.max(0, this.last + THROTTLE_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.last = Date.now();
    if (this.all) {
      this.all = false;
      this.pending.clear();
      this.changed.fire(undefined);
      return;
    }
    const nodes = [...this.pending].map((id) => [...this.nodes.values()].find((n) => (n.kind === "sync" || n.kind === "forward") && n.id === id)).filter((n): n is Node => !!n);
    this.pending.clear();
    if (nodes.length) {
      this.changed.fire(nodes);
    }
  }

  getChildren(node?: Node): Node[] {
    const state = this.ctx.store.state;
    return (node ? children(state, node) : this.roots(state)).map((n) => this.intern(n));
  }

  getParent(node: Node): Node | undefined {
    const state = this.ctx.store.state;
    for (const root of this.roots(state)) {
      if (nodeKey(root) === nodeKey(node)) {
        return undefined;
      }
    }
    const id = sessionOf(node);
    if (!id) {
      return undefined;
    }
    return [...this.nodes.values()].find((n) => (n.kind === "sync" || n.kind === "forward") && n.id === id && n !== node);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const m = item(this.ctx.store.state, node, this.treeContext());
    if (!m) {
      return new vscode.TreeItem("(gone)", vscode.TreeItemCollapsibleState.None);
    }
    const collapsible = {
      none: vscode.TreeItemCollapsibleState.None,
      collapsed: vscode.TreeItemCollapsibleState.Collapsed,
      expanded: vscode.TreeItemCollapsibleState.Expanded,
    }[m.collapsible];
    const t = new vscode.TreeItem(m.label, collapsible);
    t.id = m.id;
    t.description = m.description;
    t.tooltip = m.tooltip;
    t.contextValue = m.contextValue;
    t.iconPath = new vscode.ThemeIcon(m.icon, m.iconColor ? new vscode.ThemeColor(m.iconColor) : undefined);
    if (m.resource) {
      t.resourceUri = vscode.Uri.file(m.resource);
    }
    if (m.command) {
      t.command = { command: m.command.id, title: m.command.title, arguments: [node] };
    }
    return t;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Whether the rows under a session change shape (not only their text) between two states. */
function reshaped(before: State, after: State, id: string): boolean {
  const a = before.sync[id];
  const b = after.sync[id];
  if (!a || !b) {
    return true;
  }
  const shape = (s: typeof a) =>
    JSON.stringify([!!s.lastError, s.conflicts.map((c) => c.path), s.conflictCount > s.conflicts.length, s.alpha.problems.length, s.beta.problems.length, s.labels]);
  return shape(a) !== shape(b);
}

export function createTrees(ctx: FerryContext): vscode.Disposable {
  const sync = new Provider(ctx, syncRoots);
  const forward = new Provider(ctx, forwardRoots);
  const views = [
    vscode.window.createTreeView("ferry.sync", { treeDataProvider: sync, showCollapseAll: true }),
    vscode.window.createTreeView("ferry.forward", { treeDataProvider: forward }),
  ];
  let previous = ctx.store.state;
  const unsubscribe = ctx.store.subscribe((state, action) => {
    const before = previous;
    previous = state;
    switch (action.type) {
      case "syncState": {
        const id = action.session.id;
        const structural = before.syncOrder.join() !== state.syncOrder.join();
        // A session whose rows change shape is refreshed with its subtree; a new or
        // gone one refreshes the root.
        structural ? sync.invalidate() : sync.invalidate([id]);
        if (!structural && reshaped(before, state, id)) {
          sync.invalidate([id]);
        }
        break;
      }
      case "forwardState":
        before.forwardOrder.join() !== state.forwardOrder.join() ? forward.invalidate() : forward.invalidate([action.session.id]);
        break;
      default:
        sync.invalidate();
        forward.invalidate();
    }
  });
  const onRefresh = ctx.refresh.event(() => {
    sync.invalidate();
    forward.invalidate();
  });
  return new vscode.Disposable(() => {
    unsubscribe();
    onRefresh.dispose();
    sync.dispose();
    forward.dispose();
    views.forEach((v) => v.dispose());
  });
}
