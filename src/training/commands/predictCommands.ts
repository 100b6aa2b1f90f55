// Predict Volume and Evaluate Against Labels…: the prompts and progress; the work is ops/predictVolume and ops/evaluate.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { SeisGrowError } from '../../shared/errors';
import { checkpointDir } from '../../ml/checkpoint';
import { formatIoUTable, type SegmentationScores } from '../../ml/metrics';
import type { TrainingController } from '../controller';
import { formatSeconds } from '../format';
import { latestVolumePrediction, predictVolumeToFiles } from '../ops/predictVolume';
import { evaluateVolumePrediction, readTruthLabels } from '../ops/evaluate';
import { readPredictVolumeViews } from '../settings';

/** Evaluate without asking: against the volume's labels, or a label file (NPY). */
export interface EvaluateOptions {
  readonly truth: 'labels' | { readonly file: string };
}

/** Predict the volume with its latest trained run (the views of seisgrow.predictVolume.views); writes prediction.npy and confidence.npy to the run. */
export async function predictVolume(c: TrainingController): Promise<void> {
  if (c.active) { void vscode.window.showInformationMessage('SeisGrow: wait for the training run to finish (or stop it) before predicting.'); return; }
  const doc = await c.pickDocument('predict');
  if (!doc) return;
  const store = c.requireStore();
  const volume = c.source(doc).volume;
  const meta = await store.latestFor(doc.model.path, (m) => m.stagesCompleted.length > 0 && existsSync(checkpointDir(store.dir(m.id))));
  if (!meta) {
    const pick = await vscode.window.showWarningMessage(`SeisGrow: ${path.basename(doc.model.path)} has no trained run yet.`, 'Train Stage 1');
    if (pick) await vscode.commands.executeCommand('seisgrow.trainStage1');
    return;
  }
  // Read before any work, so a bad setting is reported rather than half a prediction.
  const views = readPredictVolumeViews(vscode.workspace.getConfiguration('seisgrow'));
  const unit = views === 'inline' ? 'inline' : 'section';
  const dist = vscode.Uri.joinPath(c.context.extensionUri, 'dist').fsPath;
  const started = Date.now();
  const files = store.volumePredictionFiles(meta.id);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SeisGrow: predicting ${path.basename(doc.model.path)}`, cancellable: true }, async (progress, token) => {
    let reported = 0;
    return predictVolumeToFiles(volume, store.dir(meta.id), files, 'cube', {
      workerScript: path.join(dist, 'worker.js'), wasmDir: dist, views, isCancelled: () => token.isCancellationRequested,
      onProgress: (done, total) => { progress.report({ increment: (100 * (done - reported)) / total, message: `${unit} ${done}/${total}` }); reported = done; },
    });
  });
  if (!result) { c.log.info('prediction cancelled; nothing written'); return; }
  const [ni, nx, ns] = result.shape;
  const next = await store.write({ ...meta, volumePrediction: { shape: [ni, nx, ns] } });
  c.predictionByVolume.add(doc.model.path);
  if (c.shown?.meta.id === meta.id) c.shown = { meta: next };
  await c.showOverlays(next, doc);
  c.log.info(`predicted ${ni} inlines${views === 'inline+crossline' ? ` and ${nx} crosslines (views fused)` : ''} of ${doc.model.path} with run ${meta.id} in ${formatSeconds((Date.now() - started) / 1000)}: ${files.prediction}`);
  await c.refreshContext();
  void vscode.window.showInformationMessage(`SeisGrow: prediction of ${path.basename(doc.model.path)} done in ${formatSeconds((Date.now() - started) / 1000)}; shown as an overlay.`);
}


/** Score the volume's prediction against labels: the volume's own labels or a label file the user picks. */
export async function evaluate(c: TrainingController, options?: EvaluateOptions): Promise<SegmentationScores | undefined> {
  const doc = await c.pickDocument('evaluate');
  if (!doc) return undefined;
  const labels = c.source(doc).labels;
  const pred = await latestVolumePrediction(c.requireStore(), doc.model.path);
  if (!pred) {
    if (options) throw new SeisGrowError('no-prediction', 'no prediction to evaluate: run Predict Volume first', doc.model.path);
    const pick = await vscode.window.showWarningMessage(`SeisGrow: predict ${path.basename(doc.model.path)} first (SeisGrow: Predict Volume).`, 'Predict Volume');
    if (pick) await vscode.commands.executeCommand('seisgrow.predictVolume');
    return undefined;
  }
  const choice = options ? { file: options.truth !== 'labels' } : await vscode.window.showQuickPick([
    { label: 'The volume\'s labels', description: 'the label file and unsaved strokes (the labels training saw: an optimistic score)', file: false },
    { label: 'A label file…', description: 'NPY of the same shape, integers, 255 = unlabelled', file: true },
  ], { title: 'Evaluate the prediction against' });
  if (!choice) return undefined;
  let truthName = 'the volume\'s labels';
  let truth: Uint8Array | typeof labels = labels;
  if (choice.file) {
    let file: string;
    if (options && options.truth !== 'labels') {
      file = options.truth.file;
    } else {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'NPY labels': ['npy'] }, defaultUri: vscode.Uri.file(path.dirname(doc.model.path)), title: 'Truth labels (NPY)' });
      if (!picked?.[0]) return undefined;
      file = picked[0].fsPath;
    }
    truth = await readTruthLabels(file, labels.shape);
    truthName = path.basename(file);
  }
  const scores = evaluateVolumePrediction(pred.data, pred.meta.classes, truth);
  const table = formatIoUTable(scores, pred.meta.panel.classNames);
  c.log.info(`evaluation of ${doc.model.path} (run ${pred.meta.id}) against ${truthName}:\n${table}`);
  if (!options) c.log.show(true);
  void vscode.window.showInformationMessage(`SeisGrow: against ${truthName}: mIoU ${scores.meanIoU.toFixed(3)}, pixel accuracy ${scores.pixelAccuracy.toFixed(3)} over ${scores.pixels.toLocaleString('en-US')} pixels (per-class table in the SeisGrow output).`);
  c.panel.update({
    run: c.panel.current.run,
    comparison: { classNames: pred.meta.panel.classNames, runs: [{ title: `prediction vs ${truthName}`, iou: scores.perClassIoU, miou: scores.meanIoU }] },
  });
  return scores;
}
