/**
 * Multi-step input as VS Code's own flows have it (the git clone, the Python
 * interpreter picker): a title with "step/total", a Back button from the second step
 * on, extra buttons (Browse…), and validation shown as it is typed. Each helper
 * resolves with the answer, BACK, or undefined when the person dismissed it.
 */
import * as vscode from "vscode";

export const BACK = Symbol("back");
export type Answer<T> = T | typeof BACK | undefined;

export interface StepOptions {
  title: string;
  step: number;
  totalSteps: number;
}

export interface Button extends vscode.QuickInputButton {
  /** Runs when the button is pressed; what it returns becomes the input's value (for an input box). */
  run(): Promise<string | undefined>;
}

export function pickOne<T extends vscode.QuickPickItem>(
  o: StepOptions & { items: T[]; placeholder: string; active?: (i: T) => boolean },
): Promise<Answer<T>> {
  return pick(o, false).then((r) => (r === BACK || r === undefined ? r : r[0]));
}

export function pickMany<T extends vscode.QuickPickItem>(o: StepOptions & { items: T[]; placeholder: string; selected: (i: T) => boolean }): Promise<Answer<T[]>> {
  return pick(o, true);
}

function pick<T extends vscode.QuickPickItem>(
  o: StepOptions & { items: T[]; placeholder: string; active?: (i: T) => boolean; selected?: (i: T) => boolean },
  many: boolean,
): Promise<Answer<T[]>> {
  return new Promise((resolve) => {
    const q = vscode.window.createQuickPick<T>();
    q.title = o.title;
    q.step = o.step;
    q.totalSteps = o.totalSteps;
    q.placeholder = o.placeholder;
    q.canSelectMany = many;
    q.ignoreFocusOut = true;
    q.items = o.items;
    if (o.selected) {
      q.selectedItems = o.items.filter(o.selected);
    }
    const active = o.active ? o.items.find(o.active) : undefined;
    if (active) {
      q.activeItems = [active];
    }
    q.buttons = o.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = false;
    const finish = (v: Answer<T[]>) => {
      if (!done) {
        done = true;
        resolve(v);
        q.dispose();
      }
    };
    q.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    q.onDidAccept(() => finish(many ? [...q.selectedItems] : q.selectedItems.length ? [...q.selectedItems] : q.activeItems.length ? [...q.activeItems] : undefined));
    q.onDidHide(() => finish(undefined));
    q.show();
  });
}

export function inputOne(
  o: StepOptions & { prompt: string; value: string; placeholder?: string; validate: (v: string) => string | undefined; buttons?: Button[] },
): Promise<Answer<string>> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = o.title;
    box.step = o.step;
    box.totalSteps = o.totalSteps;
    box.prompt = o.prompt;
    box.value = o.value;
    box.placeholder = o.placeholder;
    box.ignoreFocusOut = true;
    box.buttons = [...(o.step > 1 ? [vscode.QuickInputButtons.Back] : []), ...(o.buttons ?? [])];
    box.validationMessage = o.value ? o.validate(o.value) : undefined;
    let done = false;
    const finish = (v: Answer<string>) => {
      if (!done) {
        done = true;
        resolve(v);
        box.dispose();
      }
    };
    box.onDidChangeValue((v) => (box.validationMessage = o.validate(v)));
    box.onDidTriggerButton(async (b) => {
      if (b === vscode.QuickInputButtons.Back) {
        finish(BACK);
        return;
      }
      const own = o.buttons?.find((x) => x === b);
      if (own) {
        const v = await own.run();
        if (v !== undefined) {
          box.value = v;
          box.validationMessage = o.validate(v);
        }
        box.show();
      }
    });
    box.onDidAccept(() => {
      const problem = o.validate(box.value);
      box.validationMessage = problem;
      if (!problem) {
        finish(box.value.trim());
      }
    });
    box.onDidHide(() => {
      // A Browse… dialog hides the box for a moment; only a dismissal ends the step.
      setImmediate(() => {
        if (!busy()) {
          finish(undefined);
        }
      });
    });
    let dialogOpen = false;
    const busy = () => dialogOpen;
    for (const b of o.buttons ?? []) {
      const run = b.run;
      b.run = async () => {
        dialogOpen = true;
        try {
          return await run();
        } finally {
          dialogOpen = false;
        }
      };
    }
    box.show();
  });
}
