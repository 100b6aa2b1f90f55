// Export Labels / Prediction…: what to export and where (quick pick, save dialog); the writing is ops/exportVolume.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SeisGrowError } from '../../shared/errors';
import { sidecarLayoutFor } from '../../editor/seisgrowDocument';
import type { TrainingController } from '../controller';
import { defaultExportPath, exportVolume, type ExportFormat } from '../ops/exportVolume';
import { labelCube } from '../ops/volumeArrays';
import { latestVolumePrediction } from '../ops/predictVolume';

/** Export without asking: what, in which format, to which file. */
export interface ExportOptions {
  readonly what: 'labels' | 'prediction';
  readonly format: ExportFormat;
  readonly target: string;
}

/** Export labels (with unsaved strokes) or the prediction as NPY or SEG-Y beside the source, never over it. */
export async function exportData(c: TrainingController, options?: ExportOptions): Promise<string | undefined> {
  const doc = await c.pickDocument('export');
  if (!doc) return undefined;
  const source = c.source(doc);
  const pred = c.store ? await latestVolumePrediction(c.store, doc.model.path) : undefined;
  const items = [
    { label: 'Labels as NPY', what: 'labels' as const, format: 'npy' as const },
    { label: 'Labels as SEG-Y', what: 'labels' as const, format: 'segy' as const },
    ...(pred ? [
      { label: 'Prediction as NPY', what: 'prediction' as const, format: 'npy' as const },
      { label: 'Prediction as SEG-Y', what: 'prediction' as const, format: 'segy' as const },
    ] : []),
  ];
  const pick = options
    ? items.find((i) => i.what === options.what && i.format === options.format)
    : await vscode.window.showQuickPick(items, { title: `Export from ${path.basename(doc.model.path)}${pred ? '' : ' (Predict Volume first to export a prediction)'}` });
  if (options && !pick) throw new SeisGrowError('no-prediction', 'no prediction to export: run Predict Volume first', doc.model.path);
  if (!pick) return undefined;
  const target = options ? vscode.Uri.file(path.resolve(options.target)) : await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(defaultExportPath(doc.model.path, pick.what, pick.format)),
    filters: pick.format === 'npy' ? { NumPy: ['npy'] } : { 'SEG-Y': ['sgy', 'segy'] },
    title: `Export ${pick.what} as ${pick.format === 'npy' ? 'NPY' : 'SEG-Y'}`,
  });
  if (!target) return undefined;
  const out = target.fsPath;
  await exportVolume({
    volume: source.volume, cube: pick.what === 'labels' ? labelCube(source.labels) : pred!.data, format: pick.format, target: out,
    layout: sidecarLayoutFor(source.volume), protect: [doc.model.path, doc.model.sidecar.labels, doc.model.sidecar.classes],
  });
  c.log.info(`exported ${pick.what} of ${doc.model.path} to ${out}`);
  void vscode.window.showInformationMessage(`SeisGrow: ${pick.what} exported to ${out}.`);
  return out;
}
