/** The status bar item: renders core/status on every state change (and when a debounced phase settles). */
import * as vscode from "vscode";
import { statusView } from "../core/status";
import { FerryContext } from "./context";

export function createStatusBar(ctx: FerryContext): vscode.Disposable {
  const item = vscode.window.createStatusBarItem("ferry.status", vscode.StatusBarAlignment.Left, 50);
  item.name = "Ferry";
  const render = () => {
    const v = statusView(ctx.store.state, ctx.names(), (s) => ctx.phaseOf(s));
    item.text = v.text;
    item.tooltip = v.tooltip;
    item.command = { command: v.command, title: "Ferry" };
    item.backgroundColor =
      v.tone === "normal"
        ? undefined
        : new vscode.ThemeColor(v.tone === "warning" ? "statusBarItem.warningBackground" : "statusBarItem.errorBackground");
  };
  render();
  item.show();
  const unsubscribe = ctx.store.subscribe(render);
  const onRefresh = ctx.refresh.event(render);
  return new vscode.Disposable(() => {
    unsubscribe();
    onRefresh.dispose();
    item.dispose();
  });
}
