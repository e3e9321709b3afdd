/** The Sync and Forward tree views: adapters from core/tree to vscode.TreeDataProvider. */
import * as vscode from "vscode";
import { State } from "../core/store";
import { children, forwardRoots, item, Node, syncRoots } from "../core/tree";
import { FerryContext } from "./context";

class Provider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly ctx: FerryContext,
    private readonly roots: (s: State) => Node[],
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const state = this.ctx.store.state;
    return node ? children(state, node) : this.roots(state);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const m = item(this.ctx.store.state, node);
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
    if (m.command) {
      t.command = { command: m.command.id, title: m.command.title, arguments: [node] };
    }
    return t;
  }
}

export function createTrees(ctx: FerryContext): vscode.Disposable {
  const sync = new Provider(ctx, syncRoots);
  const forward = new Provider(ctx, forwardRoots);
  const views = [
    vscode.window.createTreeView("ferry.sync", { treeDataProvider: sync, showCollapseAll: true }),
    vscode.window.createTreeView("ferry.forward", { treeDataProvider: forward }),
  ];
  const unsubscribe = ctx.store.subscribe((_state, action) => {
    if (action.type !== "forwardState") {
      sync.refresh();
    }
    if (action.type !== "syncState") {
      forward.refresh();
    }
  });
  return new vscode.Disposable(() => {
    unsubscribe();
    views.forEach((v) => v.dispose());
  });
}
