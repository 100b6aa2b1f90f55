// The training side's one entry point for the composition root (src/extension.ts).
import type * as vscode from 'vscode';
import { TrainingController, type SeismicEditors } from './controller';

export { TrainingController } from './controller';
export type { SeismicEditors } from './controller';

/** Register the training commands, the side panel, the runs tree and the status bar item; returns the controller. */
export function registerTraining(context: vscode.ExtensionContext, editors: SeismicEditors, log: vscode.LogOutputChannel): TrainingController {
  const controller = new TrainingController(context, editors, log);
  controller.register();
  return controller;
}
