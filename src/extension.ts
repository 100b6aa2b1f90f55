// activate(): compose the parts and register everything into context.subscriptions. Keep it small: each part
// registers itself and hands back what the others need.
import * as vscode from 'vscode';
import { SEISMIC_EDITOR_VIEW_TYPE, SeisGrowEditorProvider } from './editor/provider';
import { registerTraining, type TrainingController } from './training';

/** What activate() returns: the parts other extensions' tests (and our own host tests) reach. */
export interface SeisGrowApi {
  readonly editors: SeisGrowEditorProvider;
  readonly training: TrainingController;
}

/** Extension entry point. */
export function activate(context: vscode.ExtensionContext): SeisGrowApi {
  const log = vscode.window.createOutputChannel('SeisGrow', { log: true });
  context.subscriptions.push(log);
  const editors = SeisGrowEditorProvider.register(context, log);
  context.subscriptions.push(
    vscode.commands.registerCommand('seisgrow.openInEditor', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri ?? (await pickVolume());
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, SEISMIC_EDITOR_VIEW_TYPE);
    }),
    vscode.commands.registerCommand('seisgrow.saveLabelsAs', () => editors.saveLabelsAs()),
  );
  const training = registerTraining(context, editors, log);
  return { editors, training };
}

async function pickVolume(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, title: 'Open a seismic volume', filters: { 'Seismic volumes': ['sgy', 'segy', 'npy'] },
  });
  return picked?.[0];
}

/** Nothing to tear down beyond context.subscriptions. */
export function deactivate(): void {}
