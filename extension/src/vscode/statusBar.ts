/** The status bar item: renders core/status on every state change. */
import * as vscode from "vscode";
import { statusView } from "../core/status";
import { FerryContext } from "./context";

export function createStatusBar(ctx: FerryContext): vscode.Disposable {
  const item = vscode.window.createStatusBarItem("ferry.status", vscode.StatusBarAlignment.Left, 50);
  item.name = "Ferry";
  item.command = { command: "workbench.view.extension.ferry", title: "Show Ferry" };
  const render = () => {
    const v = statusView(ctx.store.state);
    item.text = v.text;
    item.tooltip = v.tooltip;
    item.backgroundColor =
      v.tone === "normal"
        ? undefined
        : new vscode.ThemeColor(v.tone === "warning" ? "statusBarItem.warningBackground" : "statusBarItem.errorBackground");
  };
  render();
  item.show();
  const unsubscribe = ctx.store.subscribe(render);
  return new vscode.Disposable(() => {
    unsubscribe();
    item.dispose();
  });
}
