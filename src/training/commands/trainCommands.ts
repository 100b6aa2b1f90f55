// The stage commands (Train Stage 1/2, Grow Labels, Run All Stages, Stop Training): which run to continue, the
// notification's progress, the log of engine events and the end of a run (outputs stored, overlays, what next).
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { SeisGrowError } from '../../shared/errors';
import type { SeisGrowDocument } from '../../editor/provider';
import type { RunResult, TrainingSection } from '../../ml/engine';
import { checkpointDir } from '../../ml/checkpoint';
import type { PanelRun } from '../../shared/panelProtocol';
import type { StageNumber, TrainingEvent } from '../../shared/trainingProtocol';
import type { TrainingController } from '../controller';
import { missingPredecessor, stagesWithPredecessors } from '../enablement';
import { formatSeconds, STAGE_TITLES } from '../format';
import { continueRun, finalScores, initialRun, reduceRun, withFailure, withGrown } from '../panelState';
import type { RunMeta } from '../runStore';
import { grownRegion } from '../sectionResults';
import { storeRunOutputs } from '../ops/runOutputs';
import type { TrainingSettings } from '../settings';
import { chooseLabelledSections, chooseSections, classCount, extractSections } from '../trainingData';
import { acceptGrown, discardGrown, inspectGrown } from './grownCommands';

/** Train one stage on the active volume, continuing its latest run; offers to run missing predecessors. */
export async function trainStage(c: TrainingController, stage: StageNumber): Promise<void> {
  if (c.active) { void vscode.window.showInformationMessage('SeisGrow: a training run is in progress; stop it first (SeisGrow: Stop Training).'); return; }
  const doc = await c.pickDocument(`train ${STAGE_TITLES[stage]}`);
  if (!doc) return;
  const store = c.requireStore();
  const settings = c.settings();
  if (stage === 1) { await startRun(c, doc, [1], settings); return; }
  const previous = await store.latestFor(doc.model.path, (m) => m.stagesCompleted.includes((stage - 1) as StageNumber) && existsSync(checkpointDir(store.dir(m.id))));
  if (!previous) {
    const latest = await store.latestFor(doc.model.path);
    const done = latest?.stagesCompleted ?? [];
    const missing = missingPredecessor(stage, done) ?? ((stage - 1) as 1 | 2);
    const plan = stagesWithPredecessors(stage, []);
    const label = `Run Stages ${plan[0]}–${stage}`;
    const pick = await vscode.window.showWarningMessage(
      `SeisGrow: ${STAGE_TITLES[stage]} starts from a trained stage ${missing}, which has not run on ${path.basename(doc.model.path)} yet.`, label, 'Cancel');
    if (pick !== label) return;
    await startRun(c, doc, plan, settings);
    return;
  }
  await startRun(c, doc, [stage], settings, previous);
}

/** All three stages, in a new run. */
export async function runAll(c: TrainingController): Promise<void> {
  if (c.active) { void vscode.window.showInformationMessage('SeisGrow: a training run is in progress; stop it first (SeisGrow: Stop Training).'); return; }
  const doc = await c.pickDocument('train');
  if (!doc) return;
  c.requireStore();
  await startRun(c, doc, [1, 2, 3], c.settings());
}

/** Stop the running stage after the step in flight (its last complete checkpoint stays). */
export function stop(c: TrainingController): void {
  if (!c.active) return;
  c.log.info('stop requested: finishing the step in flight');
  c.active.handle.cancel();
  c.active.run = { ...c.active.run, message: 'stopping after the current step…' };
  c.showRun(c.active.run, true);
}

async function startRun(c: TrainingController, doc: SeisGrowDocument, stages: StageNumber[], settings: TrainingSettings, continueFrom?: RunMeta): Promise<void> {
  const store = c.requireStore();
  const source = c.source(doc);
  const model = doc.model;
  const name = path.basename(model.path);
  if (!model.labels!.hasLabels()) {
    void vscode.window.showWarningMessage(`SeisGrow: ${name} has no labels yet. Paint a few labels on a section (brush, line or fill), then train.`);
    return;
  }
  const palette = model.palette;
  let meta: RunMeta;
  let run: PanelRun;
  const title = `${name} — ${stages.length === 1 ? STAGE_TITLES[stages[0]] : `stages ${stages.join('+')}`}`;
  if (continueFrom) {
    const classesNow = classCount(model.labels!.distinctValues(), palette.map((c) => c.id));
    if (classesNow > continueFrom.classes) {
      throw new SeisGrowError('mismatch', `labels now use class ${classesNow - 1}, but the stage ${continueFrom.stagesCompleted.join('+')} run was trained on ${continueFrom.classes} classes: run Stage 1 again (or Run All Stages)`, model.path);
    }
    meta = continueFrom;
    run = continueRun(continueFrom.panel, continueFrom.id, title);
    const now = chooseLabelledSections(source).refs;
    const had = new Set(continueFrom.sections.map((r) => `${r.axis}:${r.position}`));
    const fresh = now.filter((r) => !had.has(`${r.axis}:${r.position}`));
    if (fresh.length > 0) {
      const note = `${fresh.length} section(s) labelled since stage 1 are not used by this run (same sections in every stage); run Stage 1 again to include them.`;
      c.log.warn(note);
      run = { ...run, message: note };
    }
  } else {
    const selection = chooseSections(source, { unlabelled: settings.unlabelledSections });
    if (selection.uncoveredVoxels > 0) c.log.warn(`${selection.uncoveredVoxels} labelled voxels lie beyond the first ${selection.refs.filter((r) => r.labelled).length} labelled sections and are not used`);
    const classes = classCount(model.labels!.distinctValues(), palette.map((c) => c.id));
    const classNames = Array.from({ length: classes }, (_, c) => palette.find((p) => p.id === c)?.name ?? `class ${c}`);
    const classColors = Array.from({ length: classes }, (_, c) => palette.find((p) => p.id === c)?.color ?? '#888888');
    run = initialRun('', title, classNames, classColors);
    meta = await store.create({ volumePath: model.path, classes, sections: selection.refs, stagesCompleted: [], status: 'running', panel: run, outputs: { grown: false, prediction: false } });
    run = { ...run, runId: meta.id };
  }
  const sections = await extractSections(source, meta.sections);
  const runDir = store.dir(meta.id);
  const dist = vscode.Uri.joinPath(c.context.extensionUri, 'dist').fsPath;
  c.log.info(`run ${meta.id}: ${stages.map((s) => STAGE_TITLES[s]).join(', ')} on ${model.path}; ${meta.sections.filter((s) => s.labelled).length} labelled + ${meta.sections.filter((s) => !s.labelled).length} unlabelled sections, ${meta.classes} classes; folder ${runDir}`);
  // The whole engine (data preparation, growing, validation, checkpoints) runs in its own thread, not VS Code's.
  const { startTrainingInWorker } = await c.engineClient();
  const handle = startTrainingInWorker({
    sections, classes: meta.classes, stages, config: settings.overrides, runDir,
    ...(continueFrom ? { resumeFrom: runDir } : {}),
    workerScript: path.join(dist, 'worker.js'), wasmDir: dist,
  }, (e) => onEvent(c, e), path.join(dist, 'engine.js'));
  c.active = { meta: { ...meta, status: 'running', panel: run }, doc, handle, run, stages };
  c.shown = { meta: c.active.meta };
  c.showRun(run, true);
  void c.refreshContext();
  c.tree.refresh();
  void c.panel.reveal();

  const totalSteps = stages.reduce((a, s) => a + settings.config.epochs[s] * settings.config.stepsPerEpoch, 0);
  let result: RunResult | undefined;
  let failure: unknown;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SeisGrow: ${name}`, cancellable: true }, async (progress, token) => {
    token.onCancellationRequested(() => stop(c));
    let done = 0;
    const sub = c.progressListener = (e: TrainingEvent) => {
      if (e.type === 'step') {
        done++;
        const r = c.active?.run;
        const loss = (e.losses.a.total + e.losses.b.total) / 2;
        progress.report({
          increment: totalSteps > 0 ? 100 / totalSteps : 0,
          message: `${STAGE_TITLES[e.stage]} · epoch ${e.epoch}/${r?.stageEpochs ?? '?'} · step ${e.step}/${e.steps} · loss ${loss.toFixed(3)}${r?.etaSeconds != null ? ` · ETA ${formatSeconds(r.etaSeconds)}` : ''}`,
        });
      } else if (e.type === 'stageStart') {
        progress.report({ message: `${STAGE_TITLES[e.stage]} starting…` });
      } else if (e.type === 'backend') {
        progress.report({ message: `backend ${e.backend.name} ready` });
      }
    };
    try {
      result = await handle.done;
    } catch (e) {
      failure = e;
    } finally {
      if (c.progressListener === sub) c.progressListener = undefined;
      void done;
    }
  });
  await finishRun(c, sections, result, failure);
}

function onEvent(c: TrainingController, e: TrainingEvent): void {
  const a = c.active;
  if (!a) return;
  a.run = reduceRun(a.run, e);
  c.progressListener?.(e);
  switch (e.type) {
    case 'backend':
      c.lastBackend = e.backend.name;
      c.log.info(`backend ${e.backend.name}${e.backend.device ? ` on ${e.backend.device}` : ''} (asked ${e.backend.requested}, tfjs ${e.backend.tfjsVersion}, ${e.backend.workers} workers, ${e.backend.parameterCount} parameters per network)${e.backend.fallbackReason ? `; fell back: ${e.backend.fallbackReason}` : ''}`);
      break;
    case 'stageStart':
      c.log.info(`${STAGE_TITLES[e.stage]}: ${e.epochs} epochs of ${e.stepsPerEpoch} steps`);
      break;
    case 'epoch': {
      const r = e.record;
      const l = r.losses;
      const iou = r.validation ? ` · mIoU ${r.validation.meanIoU.toFixed(3)} · IoU [${r.validation.perClassIoU.map((v) => (v === null ? '–' : v.toFixed(2))).join(' ')}]` : '';
      c.log.info(`stage ${r.stage} epoch ${r.epoch}: loss A ${l.a.total.toFixed(4)} (sup ${l.a.sup.toFixed(4)}, pseudo ${l.a.pseudo.toFixed(4)}, recon ${l.a.recon.toFixed(4)}), B ${l.b.total.toFixed(4)}, λ ${r.lambda.toFixed(3)}${iou} · ${r.seconds.toFixed(1)} s · ETA ${formatSeconds(r.etaSeconds)}`);
      break;
    }
    case 'growth':
      c.log.info(`stage 3 epoch ${e.record.epoch}: grew ${e.record.addedTotal} pixels in ${e.record.iterations.length} waves; ${(100 * e.record.labelledFraction).toFixed(1)} % of pixels labelled`);
      break;
    case 'checkpoint':
      c.log.debug(`checkpoint stage ${e.stage} epoch ${e.epoch}: ${e.path}`);
      break;
    case 'log':
      if (e.level === 'warn') c.log.warn(e.message); else c.log.info(e.message);
      break;
    case 'error':
      c.log.error(`training failed: ${e.message}`);
      break;
    case 'done':
      c.log.info(`run ${a.meta.id} ${e.summary.status}: stages [${e.summary.stagesCompleted.join(', ')}] in ${formatSeconds(e.summary.seconds)}`);
      break;
    default:
      break;
  }
  c.updateStatus();
  c.showRun(a.run, e.type !== 'step');
}

async function finishRun(c: TrainingController, sections: TrainingSection[], result: RunResult | undefined, failure: unknown): Promise<void> {
  const a = c.active;
  if (!a) return;
  const store = c.requireStore();
  let run = a.run;
  let meta = a.meta;
  const name = path.basename(meta.volumePath);
  try {
    if (!result) {
      const message = failure instanceof Error ? failure.message : String(failure);
      if (run.status !== 'failed') run = withFailure(run, message);
      meta = { ...meta, status: 'failed', panel: run };
      await store.write(meta).catch((e: unknown) => c.log.error(`could not record run ${meta.id}: ${(e as Error).message}`));
      c.reportError(failure);
      return;
    }
    const summary = result.summary;
    const { grown, grownAny, predicted } = await storeRunOutputs(store, meta, result, sections);
    const outputs = { grown: meta.outputs.grown || grownAny, prediction: meta.outputs.prediction || predicted };
    if (grownAny && a.stages.includes(3) && summary.status === 'completed' && a.doc.model.labels) {
      const region = grownRegion(a.doc.model.labels.shape, meta.sections, grown, (v) => a.doc.model.labels!.get(v));
      if (region.voxels.length > 0) run = withGrown(run, region.voxels.length, region.sections);
    }
    meta = { ...meta, stagesCompleted: summary.stagesCompleted, status: run.status, panel: run, outputs };
    meta = await store.write(meta);
    c.stagesByVolume.delete(meta.volumePath);
    if (predicted) c.predictionByVolume.add(meta.volumePath);
    // A run stopped before its final prediction leaves the overlays of the previous one in place.
    if (predicted || grownAny) await c.showOverlays(meta, a.doc);
    const miou = finalScores(run).miou;
    const took = formatSeconds(summary.seconds);
    if (summary.status === 'cancelled') {
      const ck = summary.checkpoint ? `; the last complete checkpoint is kept (${summary.checkpoint})` : '; no epoch had completed, so there is no checkpoint yet';
      void vscode.window.showInformationMessage(`SeisGrow: training of ${name} stopped after ${took}${ck}.`);
    } else {
      const actions = run.grown?.decision === 'pending' ? ['Inspect', 'Accept Grown Labels', 'Discard'] : ['Show Panel'];
      const what = a.stages.length === 1 ? STAGE_TITLES[a.stages[0]] : `Stages ${a.stages.join('+')}`;
      void vscode.window.showInformationMessage(`SeisGrow: ${what} finished on ${name} in ${took}${miou !== null ? ` — validation mIoU ${miou.toFixed(3)}` : ''}${run.grown ? `; ${run.grown.addedPixels.toLocaleString('en-US')} pixels grown` : ''}.`, ...actions).then((pick) => {
        if (pick === 'Inspect') void inspectGrown(c);
        else if (pick === 'Accept Grown Labels') void acceptGrown(c).catch((e: unknown) => c.reportError(e));
        else if (pick === 'Discard') void discardGrown(c);
        else if (pick === 'Show Panel') void c.panel.reveal();
      });
    }
  } finally {
    c.active = undefined;
    c.shown = { meta: { ...meta, panel: run } };
    c.showRun(run, true);
    c.tree.refresh();
    await c.refreshContext();
  }
}
