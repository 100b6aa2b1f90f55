// activate(): compose the parts and register everything into context.subscriptions.
import * as vscode from 'vscode';

/** Extension entry point. */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.window.createOutputChannel('SeisGrow'));
}

/** Nothing to tear down beyond context.subscriptions. */
export function deactivate(): void {}
