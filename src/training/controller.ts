// Training from VS Code: the stage commands, progress (notification, status bar, log), the panel's state, runs,
// grown labels (inspect / accept / discard), prediction, evaluation and export. The engine runs in worker threads, so
// the extension host only forwards events.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { SeisGrowError } from '../shared/errors';
import { readNpy, writeNpy } from '../io/npy';
import { SegyVolume, writeSegy } from '../io/segy';
import { denseLayer, type EditorOverlays } from '../editor/overlays';
import type { SeisGrowDocument } from '../editor/provider';
import { SEISMIC_EDITOR_VIEW_TYPE } from '../editor/provider';
import type { RunResult, TrainingHandle, TrainingSection } from '../ml/engine';
import { checkpointDir } from '../ml/checkpoint';
import { ConfusionMatrix, formatIoUTable, type SegmentationScores } from '../ml/metrics';
import { UNLABELLED } from '../shared/editorProtocol';
import type { FromPanelMessage, PanelRun } from '../shared/panelProtocol';
import type { StageNumber, TrainingEvent } from '../shared/trainingProtocol';
import { contextKeys, missingPredecessor, stagesWithPredecessors, type TrainingSituation } from './enablement';
import { InspectPanel, type InspectSection } from './inspectPanel';
import { compareRuns, continueRun, finalScores, initialRun, reduceRun, withFailure, withGrown, withGrownDecision } from './panelState';
import { PANEL_VIEW_ID, TrainingPanelView } from './panelView';
import { RUNS_VIEW_ID, RunItem, RunsTreeProvider } from './runsTree';
import { RunStore, type RunMeta } from './runStore';
import { addedOnly, grownRegion, sparseSectionLayer } from './sectionResults';
import { readTrainingSettings, type TrainingSettings } from './settings';
import { gatherSection, scatterSection } from '../editor/sectionIndex';
import { predictVolume } from './volumePrediction';
import { chooseLabelledSections, chooseSections, classCount, extractSections, type SectionRef, type TrainingSource } from './trainingData';

/** What training needs from the seismic editor (SeisGrowEditorProvider satisfies it). */
export interface SeismicEditors {
  readonly documents: readonly SeisGrowDocument[];
  readonly activeDocument: SeisGrowDocument | undefined;
  readonly onDidChangeActiveDocument: vscode.Event<SeisGrowDocument | undefined>;
}

/** Evaluate without asking: against the volume's labels, or a label file (NPY). */
export interface EvaluateOptions {
  readonly truth: 'labels' | { readonly file: string };
}

/** Export without asking: what, in which format, to which file. */
export interface ExportOptions {
  readonly what: 'labels' | 'prediction';
  readonly format: 'npy' | 'segy';
  readonly target: string;
}

/** The run being trained now. */
interface ActiveRun {
  meta: RunMeta;
  doc: SeisGrowDocument;
  handle: TrainingHandle;
  run: PanelRun;
  stages: StageNumber[];
}

/** A run's outputs as loaded for inspection/acceptance. */
interface ShownRun {
  meta: RunMeta;
}

/** The engine (and TensorFlow.js with it) loads on first use, never at activation. */
const engine = (): Promise<typeof import('../ml/engine')> => import('../ml/engine');

const STAGE_TITLES: Record<StageNumber, string> = { 1: 'Stage 1 (supervised)', 2: 'Stage 2 (cross pseudo supervision)', 3: 'Stage 3 (region growing)' };

function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The training side of the extension; create one in activate() through registerTraining(). */
export class TrainingController implements vscode.Disposable {
  readonly store: RunStore | undefined;
  readonly panel: TrainingPanelView;
  readonly tree: RunsTreeProvider;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private active: ActiveRun | undefined;
  private shown: ShownRun | undefined;
  private readonly stagesByVolume = new Map<string, StageNumber[]>();
  private readonly predictionByVolume = new Set<string>();
  private lastBackend: string | null = null;
  private panelTimer: NodeJS.Timeout | undefined;
  private inspect: InspectPanel | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly editors: SeismicEditors, private readonly log: vscode.LogOutputChannel) {
    const storage = context.storageUri ?? context.globalStorageUri;
    this.store = storage.scheme === 'file' ? new RunStore(path.join(storage.fsPath, 'runs')) : undefined;
    this.panel = new TrainingPanelView(context.extensionUri, (m) => { void this.onPanelMessage(m); }, (line) => log.warn(line));
    this.tree = new RunsTreeProvider(this.store, () => this.active?.meta.id, (line) => log.warn(line));
    this.status = vscode.window.createStatusBarItem('seisgrow.training', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'SeisGrow Training';
    this.status.command = 'seisgrow.showTrainingPanel';
    this.disposables.push(this.panel, this.tree, this.status);
  }

  /** Register commands, views and listeners. */
  register(): void {
    const cmd = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          await fn(...args);
        } catch (e) {
          this.reportError(e);
        }
      });
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, this.panel, { webviewOptions: { retainContextWhenHidden: true } }),
      vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: false }),
      cmd('seisgrow.trainStage1', () => this.trainStage(1)),
      cmd('seisgrow.trainStage2', () => this.trainStage(2)),
      cmd('seisgrow.growLabels', () => this.trainStage(3)),
      cmd('seisgrow.runAllStages', () => this.runAll()),
      cmd('seisgrow.stopTraining', () => this.stop()),
      cmd('seisgrow.predictVolume', () => this.predictVolume()),
      cmd('seisgrow.evaluate', (options?: EvaluateOptions) => this.evaluate(options)),
      cmd('seisgrow.export', (options?: ExportOptions) => this.exportData(options)),
      cmd('seisgrow.showTrainingPanel', () => vscode.commands.executeCommand('seisgrow.trainingPanel.focus')),
      cmd('seisgrow.inspectGrown', () => this.inspectGrown()),
      cmd('seisgrow.acceptGrown', () => this.acceptGrown()),
      cmd('seisgrow.discardGrown', () => this.discardGrown()),
      cmd('seisgrow.runs.refresh', () => this.tree.refresh()),
      cmd('seisgrow.runs.open', (item: RunItem | string) => this.openRun(item)),
      cmd('seisgrow.runs.compare', (item: RunItem | string, other?: RunItem | string) => this.compare(item, other)),
      cmd('seisgrow.runs.delete', (item: RunItem | string) => this.deleteRun(item)),
      cmd('seisgrow.runs.reveal', (item: RunItem | string) => this.openMetrics(item)),
      this.editors.onDidChangeActiveDocument(() => { void this.refreshContext(); }),
      vscode.window.tabGroups.onDidChangeTabs(() => { void this.refreshContext(); }),
      vscode.window.tabGroups.onDidChangeTabGroups(() => { void this.refreshContext(); }),
      { dispose: () => { if (this.panelTimer) clearTimeout(this.panelTimer); this.active?.handle.cancel(); this.inspect?.dispose(); } },
    );
    this.context.subscriptions.push(this);
    this.updateStatus();
    void this.refreshContext();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ---------------------------------------------------------------- context keys and status

  private activeEditorIsSeismic(): boolean {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputCustom && input.viewType === SEISMIC_EDITOR_VIEW_TYPE;
  }

  /** Recompute the context keys (stage availability is looked up in the run store, per volume). */
  async refreshContext(): Promise<void> {
    const doc = this.editors.activeDocument;
    const volume = doc?.model.path;
    if (volume && this.store && !this.stagesByVolume.has(volume)) {
      const runs = await this.store.list();
      const mine = runs.filter((m) => path.resolve(m.volumePath) === path.resolve(volume));
      this.stagesByVolume.set(volume, [...new Set(mine.flatMap((m) => m.stagesCompleted))]);
      if (mine.some((m) => m.outputs.prediction || m.volumePrediction)) this.predictionByVolume.add(volume);
    }
    const situation: TrainingSituation = {
      editorActive: this.activeEditorIsSeismic(),
      volumeOpen: this.editors.documents.length > 0,
      training: this.active !== undefined,
      stagesDone: volume ? this.stagesByVolume.get(volume) ?? [] : [],
      grownPending: this.shown?.meta.panel.grown?.decision === 'pending',
      hasPrediction: volume ? this.predictionByVolume.has(volume) : false,
    };
    for (const [key, value] of Object.entries(contextKeys(situation))) await vscode.commands.executeCommand('setContext', key, value);
    this.updateStatus();
  }

  private updateStatus(): void {
    const a = this.active;
    if (a) {
      const r = a.run;
      const last = r.epochs[r.epochs.length - 1];
      const loss = last ? ((last.losses['a.supervised'] ?? 0) + (last.losses['b.supervised'] ?? 0)) / 2 : null;
      this.status.text = `$(sync~spin) SeisGrow S${r.stage ?? a.stages[0]} ${r.epoch ?? 0}/${r.stageEpochs ?? '?'}${loss !== null ? ` · loss ${loss.toFixed(3)}` : ''}${r.etaSeconds !== null ? ` · ETA ${formatSeconds(r.etaSeconds)}` : ''} · ${r.backend ?? 'starting'}`;
      this.status.tooltip = `Training ${path.basename(a.meta.volumePath)} — click to show the training panel`;
      this.status.show();
    } else if (this.editors.documents.length > 0 || this.lastBackend) {
      this.status.text = `$(graph-line) SeisGrow${this.lastBackend ? ` · ${this.lastBackend}` : ''}`;
      this.status.tooltip = this.lastBackend ? `Last training backend: ${this.lastBackend}` : 'SeisGrow training panel';
      this.status.show();
    } else {
      this.status.hide();
    }
  }

  private showRun(run: PanelRun, immediate = false): void {
    const state = { run, comparison: this.panel.current.comparison };
    if (immediate) {
      if (this.panelTimer) { clearTimeout(this.panelTimer); this.panelTimer = undefined; }
      this.panel.update(state);
      return;
    }
    // Steps arrive many times a second; the panel needs a few frames a second at most.
    if (this.panelTimer) return;
    this.panelTimer = setTimeout(() => {
      this.panelTimer = undefined;
      this.panel.update({ run: this.active?.run ?? run, comparison: this.panel.current.comparison });
    }, 250);
  }

  private reportError(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(message);
    const actions = e instanceof SeisGrowError && e.code === 'bad-config' ? ['Open Settings'] : [];
    void vscode.window.showErrorMessage(`SeisGrow: ${message}`, ...actions).then((pick) => {
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'seisgrow.training');
    });
  }

  // ---------------------------------------------------------------- documents

  /** The document to work on: the active seismic editor's, the only open one, or the user's pick. */
  private async pickDocument(purpose: string): Promise<SeisGrowDocument | undefined> {
    const active = this.editors.activeDocument;
    if (active) return active;
    const docs = this.editors.documents;
    if (docs.length === 0) {
      const pick = await vscode.window.showWarningMessage(`SeisGrow: open a SEG-Y or NPY volume in the SeisGrow editor to ${purpose}.`, 'Open Volume…');
      if (pick) await vscode.commands.executeCommand('seisgrow.openInEditor');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(docs.map((d) => ({ label: path.basename(d.uri.fsPath), description: d.uri.fsPath, doc: d })), { title: `Which volume to ${purpose}?` });
    return picked?.doc;
  }

  private documentForVolume(volumePath: string): SeisGrowDocument | undefined {
    return this.editors.documents.find((d) => path.resolve(d.model.path) === path.resolve(volumePath));
  }

  private source(doc: SeisGrowDocument): TrainingSource {
    const m = doc.model;
    if (!m.volume || !m.labels) throw new SeisGrowError('unreadable', `cannot train on it: ${m.openError?.message ?? 'the file could not be read'}`, m.path);
    return { path: m.path, volume: m.volume, labels: m.labels };
  }

  private settings(): TrainingSettings {
    return readTrainingSettings(vscode.workspace.getConfiguration('seisgrow'));
  }

  private requireStore(): RunStore {
    if (!this.store) throw new SeisGrowError('no-storage', 'training runs need a local workspace folder (or global storage) to be kept in');
    return this.store;
  }

  // ---------------------------------------------------------------- training

  /** Train one stage on the active volume, continuing its latest run; offers to run missing predecessors. */
  async trainStage(stage: StageNumber): Promise<void> {
    if (this.active) { void vscode.window.showInformationMessage('SeisGrow: a training run is in progress; stop it first (SeisGrow: Stop Training).'); return; }
    const doc = await this.pickDocument(`train ${STAGE_TITLES[stage]}`);
    if (!doc) return;
    const store = this.requireStore();
    const settings = this.settings();
    if (stage === 1) { await this.startRun(doc, [1], settings); return; }
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
      await this.startRun(doc, plan, settings);
      return;
    }
    await this.startRun(doc, [stage], settings, previous);
  }

  /** All three stages, in a new run. */
  async runAll(): Promise<void> {
    if (this.active) { void vscode.window.showInformationMessage('SeisGrow: a training run is in progress; stop it first (SeisGrow: Stop Training).'); return; }
    const doc = await this.pickDocument('train');
    if (!doc) return;
    this.requireStore();
    await this.startRun(doc, [1, 2, 3], this.settings());
  }

  /** Stop the running stage after the step in flight (its last complete checkpoint stays). */
  stop(): void {
    if (!this.active) return;
    this.log.info('stop requested: finishing the step in flight');
    this.active.handle.cancel();
    this.active.run = { ...this.active.run, message: 'stopping after the current step…' };
    this.showRun(this.active.run, true);
  }

  private async startRun(doc: SeisGrowDocument, stages: StageNumber[], settings: TrainingSettings, continueFrom?: RunMeta): Promise<void> {
    const store = this.requireStore();
    const source = this.source(doc);
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
        this.log.warn(note);
        run = { ...run, message: note };
      }
    } else {
      const selection = chooseSections(source, { unlabelled: settings.unlabelledSections });
      if (selection.uncoveredVoxels > 0) this.log.warn(`${selection.uncoveredVoxels} labelled voxels lie beyond the first ${selection.refs.filter((r) => r.labelled).length} labelled sections and are not used`);
      const classes = classCount(model.labels!.distinctValues(), palette.map((c) => c.id));
      const classNames = Array.from({ length: classes }, (_, c) => palette.find((p) => p.id === c)?.name ?? `class ${c}`);
      const classColors = Array.from({ length: classes }, (_, c) => palette.find((p) => p.id === c)?.color ?? '#888888');
      run = initialRun('', title, classNames, classColors);
      meta = await store.create({ volumePath: model.path, classes, sections: selection.refs, stagesCompleted: [], status: 'running', panel: run, outputs: { grown: false, prediction: false } });
      run = { ...run, runId: meta.id };
    }
    const sections = await extractSections(source, meta.sections);
    const runDir = store.dir(meta.id);
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
    this.log.info(`run ${meta.id}: ${stages.map((s) => STAGE_TITLES[s]).join(', ')} on ${model.path}; ${meta.sections.filter((s) => s.labelled).length} labelled + ${meta.sections.filter((s) => !s.labelled).length} unlabelled sections, ${meta.classes} classes; folder ${runDir}`);
    // The whole engine (data preparation, growing, validation, checkpoints) runs in its own thread, not VS Code's.
    const { startTrainingInWorker } = await import('../worker/engineClient');
    const handle = startTrainingInWorker({
      sections, classes: meta.classes, stages, config: settings.overrides, runDir,
      ...(continueFrom ? { resumeFrom: runDir } : {}),
      workerScript: path.join(dist, 'worker.js'), wasmDir: dist,
    }, (e) => this.onEvent(e), path.join(dist, 'engine.js'));
    this.active = { meta: { ...meta, status: 'running', panel: run }, doc, handle, run, stages };
    this.shown = { meta: this.active.meta };
    this.showRun(run, true);
    void this.refreshContext();
    this.tree.refresh();
    void this.panel.reveal();

    const totalSteps = stages.reduce((a, s) => a + settings.config.epochs[s] * settings.config.stepsPerEpoch, 0);
    let result: RunResult | undefined;
    let failure: unknown;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SeisGrow: ${name}`, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => this.stop());
      let done = 0;
      const sub = this.progressListener = (e: TrainingEvent) => {
        if (e.type === 'step') {
          done++;
          const r = this.active?.run;
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
        if (this.progressListener === sub) this.progressListener = undefined;
        void done;
      }
    });
    await this.finishRun(sections, result, failure);
  }

  private progressListener: ((e: TrainingEvent) => void) | undefined;

  private onEvent(e: TrainingEvent): void {
    const a = this.active;
    if (!a) return;
    a.run = reduceRun(a.run, e);
    this.progressListener?.(e);
    switch (e.type) {
      case 'backend':
        this.lastBackend = e.backend.name;
        this.log.info(`backend ${e.backend.name}${e.backend.device ? ` on ${e.backend.device}` : ''} (asked ${e.backend.requested}, tfjs ${e.backend.tfjsVersion}, ${e.backend.workers} workers, ${e.backend.parameterCount} parameters per network)${e.backend.fallbackReason ? `; fell back: ${e.backend.fallbackReason}` : ''}`);
        break;
      case 'stageStart':
        this.log.info(`${STAGE_TITLES[e.stage]}: ${e.epochs} epochs of ${e.stepsPerEpoch} steps`);
        break;
      case 'epoch': {
        const r = e.record;
        const l = r.losses;
        const iou = r.validation ? ` · mIoU ${r.validation.meanIoU.toFixed(3)} · IoU [${r.validation.perClassIoU.map((v) => (v === null ? '–' : v.toFixed(2))).join(' ')}]` : '';
        this.log.info(`stage ${r.stage} epoch ${r.epoch}: loss A ${l.a.total.toFixed(4)} (sup ${l.a.sup.toFixed(4)}, pseudo ${l.a.pseudo.toFixed(4)}, recon ${l.a.recon.toFixed(4)}), B ${l.b.total.toFixed(4)}, λ ${r.lambda.toFixed(3)}${iou} · ${r.seconds.toFixed(1)} s · ETA ${formatSeconds(r.etaSeconds)}`);
        break;
      }
      case 'growth':
        this.log.info(`stage 3 epoch ${e.record.epoch}: grew ${e.record.addedTotal} pixels in ${e.record.iterations.length} waves; ${(100 * e.record.labelledFraction).toFixed(1)} % of pixels labelled`);
        break;
      case 'checkpoint':
        this.log.debug(`checkpoint stage ${e.stage} epoch ${e.epoch}: ${e.path}`);
        break;
      case 'log':
        if (e.level === 'warn') this.log.warn(e.message); else this.log.info(e.message);
        break;
      case 'error':
        this.log.error(`training failed: ${e.message}`);
        break;
      case 'done':
        this.log.info(`run ${a.meta.id} ${e.summary.status}: stages [${e.summary.stagesCompleted.join(', ')}] in ${formatSeconds(e.summary.seconds)}`);
        break;
      default:
        break;
    }
    this.updateStatus();
    this.showRun(a.run, e.type !== 'step');
  }

  private async finishRun(sections: TrainingSection[], result: RunResult | undefined, failure: unknown): Promise<void> {
    const a = this.active;
    if (!a) return;
    const store = this.requireStore();
    let run = a.run;
    let meta = a.meta;
    const name = path.basename(meta.volumePath);
    try {
      if (!result) {
        const message = failure instanceof Error ? failure.message : String(failure);
        if (run.status !== 'failed') run = withFailure(run, message);
        meta = { ...meta, status: 'failed', panel: run };
        await store.write(meta).catch((e: unknown) => this.log.error(`could not record run ${meta.id}: ${(e as Error).message}`));
        this.reportError(failure);
        return;
      }
      const summary = result.summary;
      const refs = meta.sections;
      let grownAny = false;
      let predicted = false;
      for (let k = 0; k < refs.length; k++) {
        const sr = result.sections[k];
        if (!sr) continue;
        const grown = summary.stagesCompleted.includes(3) ? addedOnly(sr.grownLabels, sections[k].labels) : undefined;
        if (grown) grownAny = true;
        predicted = true;
        await store.writeSection(meta.id, k, sr.height, sr.width, { ...(grown ? { grown } : {}), prediction: sr.prediction, confidence: sr.confidence });
      }
      const outputs = { grown: meta.outputs.grown || grownAny, prediction: meta.outputs.prediction || predicted };
      if (grownAny && a.stages.includes(3) && summary.status === 'completed' && a.doc.model.labels) {
        const region = grownRegion(a.doc.model.labels.shape, refs, result.sections.map((sr, k) => (sr ? addedOnly(sr.grownLabels, sections[k].labels) : undefined)), (v) => a.doc.model.labels!.get(v));
        if (region.voxels.length > 0) run = withGrown(run, region.voxels.length, region.sections);
      }
      meta = { ...meta, stagesCompleted: summary.stagesCompleted, status: run.status, panel: run, outputs };
      meta = await store.write(meta);
      this.stagesByVolume.delete(meta.volumePath);
      if (predicted) this.predictionByVolume.add(meta.volumePath);
      // A run stopped before its final prediction leaves the overlays of the previous one in place.
      if (predicted || grownAny) await this.showOverlays(meta, a.doc);
      const miou = finalScores(run).miou;
      const took = formatSeconds(summary.seconds);
      if (summary.status === 'cancelled') {
        const ck = summary.checkpoint ? `; the last complete checkpoint is kept (${summary.checkpoint})` : '; no epoch had completed, so there is no checkpoint yet';
        void vscode.window.showInformationMessage(`SeisGrow: training of ${name} stopped after ${took}${ck}.`);
      } else {
        const actions = run.grown?.decision === 'pending' ? ['Inspect', 'Accept Grown Labels', 'Discard'] : ['Show Panel'];
        const what = a.stages.length === 1 ? STAGE_TITLES[a.stages[0]] : `Stages ${a.stages.join('+')}`;
        void vscode.window.showInformationMessage(`SeisGrow: ${what} finished on ${name} in ${took}${miou !== null ? ` — validation mIoU ${miou.toFixed(3)}` : ''}${run.grown ? `; ${run.grown.addedPixels.toLocaleString('en-US')} pixels grown` : ''}.`, ...actions).then((pick) => {
          if (pick === 'Inspect') void this.inspectGrown();
          else if (pick === 'Accept Grown Labels') void this.acceptGrown().catch((e: unknown) => this.reportError(e));
          else if (pick === 'Discard') void this.discardGrown();
          else if (pick === 'Show Panel') void this.panel.reveal();
        });
      }
    } finally {
      this.active = undefined;
      this.shown = { meta: { ...meta, panel: run } };
      this.showRun(run, true);
      this.tree.refresh();
      await this.refreshContext();
    }
  }

  // ---------------------------------------------------------------- overlays, inspect, accept, discard

  /** Put a run's per-section outputs on its document as overlays (grown labels only while undecided). */
  private async showOverlays(meta: RunMeta, doc: SeisGrowDocument | undefined): Promise<void> {
    if (!doc || !doc.model.labels || !this.store) return;
    const shape = doc.model.labels.shape;
    const arrays = await Promise.all(meta.sections.map((_, k) => this.store!.readSection(meta.id, k)));
    const overlays: EditorOverlays = {};
    if (meta.volumePrediction && sameShape(meta.volumePrediction.shape, shape)) {
      const files = this.store.volumePredictionFiles(meta.id);
      overlays.prediction = denseLayer(shape, (await readNpy(files.prediction)).data as Uint8Array);
      overlays.confidence = denseLayer(shape, (await readNpy(files.confidence)).data as Float32Array);
    } else if (arrays.some((a) => a.prediction)) {
      overlays.prediction = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.prediction), UNLABELLED, (n) => new Uint8Array(n));
      overlays.confidence = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.confidence), 0, (n) => new Float32Array(n));
    }
    if (meta.panel.grown?.decision === 'pending' && arrays.some((a) => a.grown)) {
      overlays.grown = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.grown), UNLABELLED, (n) => new Uint8Array(n));
    }
    doc.model.setOverlays(overlays);
  }

  private async shownWithGrown(): Promise<{ meta: RunMeta; doc: SeisGrowDocument } | undefined> {
    const meta = this.shown?.meta;
    if (!meta || meta.panel.grown?.decision !== 'pending') {
      void vscode.window.showInformationMessage('SeisGrow: no grown labels are waiting; run Grow Labels (Stage 3) first.');
      return undefined;
    }
    const doc = this.documentForVolume(meta.volumePath);
    if (!doc) {
      const pick = await vscode.window.showWarningMessage(`SeisGrow: open ${path.basename(meta.volumePath)} to work with its grown labels.`, 'Open');
      if (pick) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(meta.volumePath), SEISMIC_EDITOR_VIEW_TYPE);
      return undefined;
    }
    return { meta, doc };
  }

  /** Open the inspect view: a section with seed, grown, prediction and confidence layers and the differences. */
  async inspectGrown(): Promise<void> {
    const meta = this.shown?.meta;
    if (!meta || !this.store) { void vscode.window.showInformationMessage('SeisGrow: no run to inspect yet; train a stage first.'); return; }
    const doc = this.documentForVolume(meta.volumePath);
    const store = this.store;
    const list: InspectSection[] = [];
    for (let k = 0; k < meta.sections.length; k++) {
      const ref = meta.sections[k];
      list.push({ k, title: `${ref.axis} ${ref.line}` });
    }
    const loader = async (k: number) => {
      const ref = meta.sections[k];
      if (!doc?.model.volume || !doc.model.labels) throw new SeisGrowError('not-open', `open ${path.basename(meta.volumePath)} in the SeisGrow editor to inspect its sections`, meta.volumePath);
      const section = ref.axis === 'inline' ? await doc.model.volume.inline(ref.line) : await doc.model.volume.crossline(ref.line);
      const arrays = await store.readSection(meta.id, k);
      return { ref, rows: section.rows, cols: section.cols, seismic: section.data, seeds: doc.model.labels.section(ref.axis, ref.position), ...arrays };
    };
    if (!this.inspect || this.inspect.disposed) this.inspect = new InspectPanel(this.context.extensionUri, (line) => this.log.warn(line));
    // Start on the section where growing added most; else the first labelled one.
    const counts = await Promise.all(meta.sections.map(async (_, k) => {
      const g = (await store.readSection(meta.id, k)).grown;
      let n = 0;
      if (g) for (const v of g) if (v !== UNLABELLED) n++;
      return n;
    }));
    const first = counts.reduce((best, n, k) => (n > counts[best] ? k : best), 0);
    await this.inspect.show(`Inspect: ${path.basename(meta.volumePath)}`, meta.panel.classNames, meta.panel.classColors, list, first, loader);
  }

  /** Accept the grown labels of the shown run into its document as ONE undoable edit (never over existing labels). */
  async acceptGrown(): Promise<void> {
    const target = await this.shownWithGrown();
    if (!target || !this.store) return;
    const { meta, doc } = target;
    const labels = doc.model.labels;
    if (!labels) return;
    const arrays = await Promise.all(meta.sections.map((_, k) => this.store!.readSection(meta.id, k)));
    const region = grownRegion(labels.shape, meta.sections, arrays.map((a) => a.grown), (v) => labels.get(v));
    if (region.voxels.length === 0) {
      void vscode.window.showInformationMessage('SeisGrow: the grown labels add nothing beyond the current labels.');
    } else {
      doc.model.ensureClasses([...new Set(region.values)]);
      doc.model.applyLabelRegion(`Accept grown labels (${meta.id})`, region.voxels, region.values);
      this.log.info(`accepted ${region.voxels.length} grown labels from run ${meta.id} into ${meta.volumePath} (one undoable edit; save to write ${doc.model.sidecar.labels})`);
      void vscode.window.showInformationMessage(`SeisGrow: accepted ${region.voxels.length.toLocaleString('en-US')} grown labels into ${path.basename(meta.volumePath)} — undo with Ctrl+Z; save to write the label file.`);
    }
    await this.decide(meta, doc, 'accepted');
  }

  /** Drop the grown labels of the shown run (they stay in the run folder). */
  async discardGrown(): Promise<void> {
    const meta = this.shown?.meta;
    if (!meta || meta.panel.grown?.decision !== 'pending') return;
    await this.decide(meta, this.documentForVolume(meta.volumePath), 'discarded');
  }

  private async decide(meta: RunMeta, doc: SeisGrowDocument | undefined, decision: 'accepted' | 'discarded'): Promise<void> {
    const panel = withGrownDecision(meta.panel, decision);
    const next = await this.requireStore().write({ ...meta, panel });
    this.shown = { meta: next };
    this.showRun(panel, true);
    await this.showOverlays(next, doc);
    await this.refreshContext();
  }

  private async onPanelMessage(m: FromPanelMessage): Promise<void> {
    try {
      switch (m.type) {
        case 'inspect': await this.inspectGrown(); break;
        case 'accept': await this.acceptGrown(); break;
        case 'discard': await this.discardGrown(); break;
        case 'stop': this.stop(); break;
        case 'closeComparison': this.panel.update({ run: this.panel.current.run, comparison: null }); break;
        default: break;
      }
    } catch (e) {
      this.reportError(e);
    }
  }

  // ---------------------------------------------------------------- runs tree

  private async runOf(item: RunItem | string | undefined): Promise<RunMeta | undefined> {
    if (!item || !this.store) return undefined;
    return typeof item === 'string' ? this.store.read(item) : this.store.read(item.meta.id);
  }

  /** Show a stored run in the panel (its curves, IoU and growth), and its outputs on its volume if open. */
  async openRun(item: RunItem | string): Promise<void> {
    const meta = await this.runOf(item);
    if (!meta) return;
    if (this.active?.meta.id === meta.id) { this.showRun(this.active.run, true); await this.panel.reveal(); return; }
    this.shown = { meta };
    this.panel.update({ run: meta.panel, comparison: null });
    await this.showOverlays(meta, this.documentForVolume(meta.volumePath));
    await this.refreshContext();
    await this.panel.reveal();
  }

  /** Two runs' final IoU side by side in the panel; asks for the second run unless given. */
  async compare(item: RunItem | string, other?: RunItem | string): Promise<void> {
    const first = await this.runOf(item);
    if (!first || !this.store) return;
    const given = other !== undefined ? await this.runOf(other) : undefined;
    const others = given ? [] : (await this.store.list()).filter((m) => m.id !== first.id);
    if (!given && others.length === 0) { void vscode.window.showInformationMessage('SeisGrow: there is no other run to compare with.'); return; }
    const pick = given ? { meta: given } : await vscode.window.showQuickPick(others.map((m) => {
      const miou = finalScores(m.panel).miou;
      return { label: path.basename(m.volumePath), description: `stages ${m.stagesCompleted.join('+') || 'none'}${miou !== null ? ` · mIoU ${miou.toFixed(3)}` : ''}`, detail: m.created, meta: m };
    }), { title: `Compare ${path.basename(first.volumePath)} (${first.created.slice(0, 16)}) with…` });
    if (!pick) return;
    const label = (m: RunMeta): string => `${path.basename(m.volumePath)} ${m.created.slice(5, 16).replace('T', ' ')} (S${m.stagesCompleted.join('+') || '–'})`;
    const comparison = compareRuns([{ ...first.panel, title: label(first) }, { ...pick.meta.panel, title: label(pick.meta) }]);
    this.panel.update({ run: this.panel.current.run, comparison });
    await this.panel.reveal();
  }

  /** Delete a run after a modal confirmation. */
  async deleteRun(item: RunItem | string): Promise<void> {
    const meta = await this.runOf(item);
    if (!meta || !this.store) return;
    if (this.active?.meta.id === meta.id) { void vscode.window.showWarningMessage('SeisGrow: stop the training run before deleting it.'); return; }
    const pick = await vscode.window.showWarningMessage(`Delete the run of ${path.basename(meta.volumePath)} started ${meta.created.replace('T', ' ').slice(0, 19)}? Its checkpoints, metrics and grown labels are removed; your label files are not touched.`, { modal: true }, 'Delete');
    if (pick !== 'Delete') return;
    await this.store.delete(meta.id);
    this.log.info(`deleted run ${meta.id}`);
    if (this.shown?.meta.id === meta.id) {
      this.shown = undefined;
      this.panel.update({ run: null, comparison: null });
    }
    this.stagesByVolume.delete(meta.volumePath);
    this.tree.refresh();
    await this.refreshContext();
  }

  /** Open a run's metrics.json (per-epoch losses and IoU, as the engine wrote them). */
  async openMetrics(item: RunItem | string): Promise<void> {
    const meta = await this.runOf(item);
    if (!meta || !this.store) return;
    const file = path.join(this.store.dir(meta.id), 'metrics.json');
    if (!existsSync(file)) { void vscode.window.showInformationMessage('SeisGrow: this run has no metrics.json yet.'); return; }
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  }

  // ---------------------------------------------------------------- predict, evaluate, export

  /** Predict every inline of the volume with its latest trained run; writes prediction.npy and confidence.npy to the run. */
  async predictVolume(): Promise<void> {
    if (this.active) { void vscode.window.showInformationMessage('SeisGrow: wait for the training run to finish (or stop it) before predicting.'); return; }
    const doc = await this.pickDocument('predict');
    if (!doc) return;
    const store = this.requireStore();
    const volume = this.source(doc).volume;
    const meta = await store.latestFor(doc.model.path, (m) => m.stagesCompleted.length > 0 && existsSync(checkpointDir(store.dir(m.id))));
    if (!meta) {
      const pick = await vscode.window.showWarningMessage(`SeisGrow: ${path.basename(doc.model.path)} has no trained run yet.`, 'Train Stage 1');
      if (pick) await vscode.commands.executeCommand('seisgrow.trainStage1');
      return;
    }
    const [ni, nx, ns] = volume.info.shape;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
    const started = Date.now();
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SeisGrow: predicting ${path.basename(doc.model.path)}`, cancellable: true }, async (progress, token) => {
      let reported = 0;
      return predictVolume(volume, store.dir(meta.id), {
        workerScript: path.join(dist, 'worker.js'), wasmDir: dist, isCancelled: () => token.isCancellationRequested,
        onProgress: (done, total) => { progress.report({ increment: (100 * (done - reported)) / total, message: `inline ${done}/${total}` }); reported = done; },
      });
    });
    if (!result) { this.log.info('prediction cancelled; nothing written'); return; }
    const { prediction, confidence } = result;
    const files = store.volumePredictionFiles(meta.id);
    await writeNpy(files.prediction, prediction, [ni, nx, ns], '|u1');
    await writeNpy(files.confidence, confidence, [ni, nx, ns], '<f4');
    const next = await store.write({ ...meta, volumePrediction: { shape: [ni, nx, ns] } });
    this.predictionByVolume.add(doc.model.path);
    if (this.shown?.meta.id === meta.id) this.shown = { meta: next };
    await this.showOverlays(next, doc);
    this.log.info(`predicted ${ni} inlines of ${doc.model.path} with run ${meta.id} in ${formatSeconds((Date.now() - started) / 1000)}: ${files.prediction}`);
    await this.refreshContext();
    void vscode.window.showInformationMessage(`SeisGrow: prediction of ${path.basename(doc.model.path)} done in ${formatSeconds((Date.now() - started) / 1000)}; shown as an overlay.`);
  }

  /** The latest prediction of a volume as a dense cube (voxel order), from Predict Volume. */
  private async volumePrediction(volumePath: string): Promise<{ meta: RunMeta; data: Uint8Array } | undefined> {
    const store = this.requireStore();
    const meta = await store.latestFor(volumePath, (m) => m.volumePrediction !== undefined && existsSync(store.volumePredictionFiles(m.id).prediction));
    if (!meta) return undefined;
    return { meta, data: (await readNpy(store.volumePredictionFiles(meta.id).prediction)).data as Uint8Array };
  }

  /** Score the volume's prediction against labels: the volume's own labels or a label file the user picks. */
  async evaluate(options?: EvaluateOptions): Promise<SegmentationScores | undefined> {
    const doc = await this.pickDocument('evaluate');
    if (!doc) return undefined;
    const labels = this.source(doc).labels;
    const pred = await this.volumePrediction(doc.model.path);
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
    const [ni, nx, ns] = labels.shape;
    const classes = pred.meta.classes;
    const cm = new ConfusionMatrix(classes);
    let truthName = 'the volume\'s labels';
    if (choice.file) {
      let file: string;
      if (options && options.truth !== 'labels') {
        file = options.truth.file;
      } else {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'NPY labels': ['npy'] }, defaultUri: vscode.Uri.file(path.dirname(doc.model.path)), title: 'Truth labels (NPY)' });
        if (!picked?.[0]) return undefined;
        file = picked[0].fsPath;
      }
      const truth = await readNpy(file);
      const n = ni * nx * ns;
      const twoD = ni === 1 && truth.shape.length === 2 && truth.shape[0] === ns && truth.shape[1] === nx;
      if (truth.data.length !== n || (!twoD && (truth.shape.length !== 3 || truth.shape.some((d, k) => d !== labels.shape[k])))) {
        throw new SeisGrowError('shape-mismatch', `labels of shape (${truth.shape.join(', ')}) do not match the volume (${labels.shape.join(', ')})`, file);
      }
      for (let v = 0; v < truth.data.length; v++) {
        const t = truth.data[v];
        if (t !== UNLABELLED && (!Number.isInteger(t) || t < 0 || t >= 255)) throw new SeisGrowError('bad-label', `value ${t} at element ${v} is not a class id (0..254) or 255`, file);
      }
      // A 2D (samples, traces) file is the single inline's section; reorder it to voxel order.
      const dense = twoD ? scatterSection([ni, nx, ns], 'inline', 0, truth.data, new Uint8Array(n)) : Uint8Array.from(truth.data);
      cm.update(clampClasses(dense, classes), pred.data);
      truthName = path.basename(file);
    } else {
      for (let i = 0; i < ni; i++) {
        const chunk = labels.readChunk(i);
        if (!chunk) continue;
        cm.update(clampClasses(chunk, classes), pred.data.subarray(i * nx * ns, (i + 1) * nx * ns));
      }
    }
    const scores = cm.scores();
    const table = formatIoUTable(scores, pred.meta.panel.classNames);
    this.log.info(`evaluation of ${doc.model.path} (run ${pred.meta.id}) against ${truthName}:\n${table}`);
    if (!options) this.log.show(true);
    void vscode.window.showInformationMessage(`SeisGrow: against ${truthName}: mIoU ${scores.meanIoU.toFixed(3)}, pixel accuracy ${scores.pixelAccuracy.toFixed(3)} over ${scores.pixels.toLocaleString('en-US')} pixels (per-class table in the SeisGrow output).`);
    this.panel.update({
      run: this.panel.current.run,
      comparison: { classNames: pred.meta.panel.classNames, runs: [{ title: `prediction vs ${truthName}`, iou: scores.perClassIoU, miou: scores.meanIoU }] },
    });
    return scores;
  }

  /** Export labels (with unsaved strokes) or the prediction as NPY or SEG-Y beside the source, never over it. */
  async exportData(options?: ExportOptions): Promise<string | undefined> {
    const doc = await this.pickDocument('export');
    if (!doc) return undefined;
    const source = this.source(doc);
    const pred = this.store ? await this.volumePrediction(doc.model.path) : undefined;
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
    const dir = path.dirname(doc.model.path);
    const stem = path.basename(doc.model.path).replace(/\.(sgy|segy|seg|npy)$/i, '');
    const ext = pick.format === 'npy' ? 'npy' : 'sgy';
    const target = options ? vscode.Uri.file(path.resolve(options.target)) : await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(dir, `${stem}.${pick.what}.export.${ext}`)),
      filters: pick.format === 'npy' ? { NumPy: ['npy'] } : { 'SEG-Y': ['sgy', 'segy'] },
      title: `Export ${pick.what} as ${pick.format === 'npy' ? 'NPY' : 'SEG-Y'}`,
    });
    if (!target) return undefined;
    const out = target.fsPath;
    const forbidden = [doc.model.path, doc.model.sidecar.labels, doc.model.sidecar.classes].map((p) => path.resolve(p));
    if (forbidden.includes(path.resolve(out))) throw new SeisGrowError('would-overwrite', 'refusing to export over the source volume or its label files; pick another name', out);
    const [ni, nx, ns] = source.labels.shape;
    let cube: Uint8Array;
    if (pick.what === 'labels') {
      cube = new Uint8Array(ni * nx * ns).fill(UNLABELLED);
      for (let i = 0; i < ni; i++) { const c = source.labels.readChunk(i); if (c) cube.set(c, i * nx * ns); }
    } else {
      cube = pred!.data;
    }
    const info = source.volume.info;
    if (pick.format === 'npy') {
      if (info.kind === '2d' && info.format === 'npy') {
        // A 2D NPY volume is (samples, traces): export in the same layout as its source.
        const sec = gatherSection([ni, nx, ns], 'inline', 0, cube, new Uint8Array(ns * nx));
        await writeNpy(out, sec, [ns, nx], '|u1');
      } else {
        await writeNpy(out, cube, [ni, nx, ns], '|u1');
      }
    } else {
      await writeSegy(out, {
        data: Float32Array.from(cube), inlines: info.inlines, crosslines: info.crosslines, samples: ns,
        ...(info.sampleUnit === 'ms' ? { sampleInterval: info.sampleInterval, sampleStart: info.sampleStart } : {}),
      }, source.volume instanceof SegyVolume ? source.volume : undefined);
    }
    this.log.info(`exported ${pick.what} of ${doc.model.path} to ${out}`);
    void vscode.window.showInformationMessage(`SeisGrow: ${pick.what} exported to ${out}.`);
    return out;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}

/** Labels outside the run's classes count as unlabelled (a class added after training has no prediction to match). */
function clampClasses(labels: Uint8Array, classes: number): Uint8Array {
  let ok = true;
  for (let k = 0; k < labels.length; k++) if (labels[k] !== UNLABELLED && labels[k] >= classes) { ok = false; break; }
  if (ok) return labels;
  const out = labels.slice();
  for (let k = 0; k < out.length; k++) if (out[k] !== UNLABELLED && out[k] >= classes) out[k] = UNLABELLED;
  return out;
}

/** For tests and the host-side API: the section refs a run trains on. */
export type { SectionRef };
