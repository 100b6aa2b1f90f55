// Training from VS Code: the controller wires the command groups in ./commands/ (train, predict/evaluate, export,
// grown labels, runs), the side panel, the runs tree and the status bar, and holds the state they share. The work
// itself is in vscode-free operations (./ops/, volumePrediction, runStore, trainingData); the engine runs in worker
// threads, so the extension host only forwards events.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SeisGrowError } from '../shared/errors';
import type { SeisGrowDocument } from '../editor/provider';
import { SEISMIC_EDITOR_VIEW_TYPE } from '../editor/provider';
import type { TrainingHandle } from '../ml/engine';
import type { SegmentationScores } from '../ml/metrics';
import type { FromPanelMessage, PanelRun } from '../shared/panelProtocol';
import type { StageNumber, TrainingEvent } from '../shared/trainingProtocol';
import { contextKeys, type TrainingSituation } from './enablement';
import type { InspectPanel } from './inspectPanel';
import { PANEL_VIEW_ID, TrainingPanelView } from './panelView';
import { RUNS_VIEW_ID, RunItem, RunsTreeProvider } from './runsTree';
import { RunStore, type RunMeta } from './runStore';
import { runOverlays } from './ops/runOverlays';
import { readTrainingSettings, type TrainingSettings } from './settings';
import { TrainingStatusBar } from './statusBar';
import type { SectionRef, TrainingSource } from './trainingData';
import { exportData, type ExportOptions } from './commands/exportCommands';
import { acceptGrown, discardGrown, inspectGrown } from './commands/grownCommands';
import { evaluate, predictVolume, type EvaluateOptions } from './commands/predictCommands';
import { compare, deleteRun, openMetrics, openRun } from './commands/runsCommands';
import { runAll, stop, trainStage } from './commands/trainCommands';

export type { EvaluateOptions } from './commands/predictCommands';
export type { ExportOptions } from './commands/exportCommands';

/** What training needs from the seismic editor (SeisGrowEditorProvider satisfies it). */
export interface SeismicEditors {
  readonly documents: readonly SeisGrowDocument[];
  readonly activeDocument: SeisGrowDocument | undefined;
  readonly onDidChangeActiveDocument: vscode.Event<SeisGrowDocument | undefined>;
}

/** The run being trained now. */
export interface ActiveRun {
  meta: RunMeta;
  doc: SeisGrowDocument;
  handle: TrainingHandle;
  run: PanelRun;
  stages: StageNumber[];
}

/** A run's outputs as loaded for inspection/acceptance. */
export interface ShownRun {
  meta: RunMeta;
}

/** The training side of the extension; create one in activate() through registerTraining(). */
export class TrainingController implements vscode.Disposable {
  readonly store: RunStore | undefined;
  readonly panel: TrainingPanelView;
  readonly tree: RunsTreeProvider;
  private readonly status = new TrainingStatusBar();
  private readonly disposables: vscode.Disposable[] = [];
  /** The run being trained now. */
  active: ActiveRun | undefined;
  /** The run whose outputs the panel and overlays show. */
  shown: ShownRun | undefined;
  /** Stages completed per volume, from the run store (dropped to be looked up again). */
  readonly stagesByVolume = new Map<string, StageNumber[]>();
  /** Volumes with a prediction (per-section or whole). */
  readonly predictionByVolume = new Set<string>();
  /** The backend of the last training, for the status bar. */
  lastBackend: string | null = null;
  /** The notification's listener of the run in flight. */
  progressListener: ((e: TrainingEvent) => void) | undefined;
  /** The inspect view, kept while open. */
  inspect: InspectPanel | undefined;
  private panelTimer: NodeJS.Timeout | undefined;

  constructor(readonly context: vscode.ExtensionContext, readonly editors: SeismicEditors, readonly log: vscode.LogOutputChannel) {
    const storage = context.storageUri ?? context.globalStorageUri;
    this.store = storage.scheme === 'file' ? new RunStore(path.join(storage.fsPath, 'runs')) : undefined;
    this.panel = new TrainingPanelView(context.extensionUri, (m) => { void this.onPanelMessage(m); }, (line) => log.warn(line));
    this.tree = new RunsTreeProvider(this.store, () => this.active?.meta.id, (line) => log.warn(line));
    this.disposables.push(this.panel, this.tree, this.status);
  }

  /** Host-side API (tests, other extensions): Evaluate Against Labels without prompts when `options` are given. */
  evaluate(options?: EvaluateOptions): Promise<SegmentationScores | undefined> {
    return evaluate(this, options);
  }

  /** Host-side API: Export Labels / Prediction without prompts when `options` are given; the file written. */
  exportData(options?: ExportOptions): Promise<string | undefined> {
    return exportData(this, options);
  }

  /** The engine thread's client, loaded on the first training (never at activation). */
  engineClient(): Promise<typeof import('../worker/engineClient')> {
    return import('../worker/engineClient');
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
      cmd('seisgrow.trainStage1', () => trainStage(this, 1)),
      cmd('seisgrow.trainStage2', () => trainStage(this, 2)),
      cmd('seisgrow.growLabels', () => trainStage(this, 3)),
      cmd('seisgrow.runAllStages', () => runAll(this)),
      cmd('seisgrow.stopTraining', () => stop(this)),
      cmd('seisgrow.predictVolume', () => predictVolume(this)),
      cmd('seisgrow.evaluate', (options?: EvaluateOptions) => evaluate(this, options)),
      cmd('seisgrow.export', (options?: ExportOptions) => this.exportData(options)),
      cmd('seisgrow.showTrainingPanel', () => vscode.commands.executeCommand('seisgrow.trainingPanel.focus')),
      cmd('seisgrow.inspectGrown', () => inspectGrown(this)),
      cmd('seisgrow.acceptGrown', () => acceptGrown(this)),
      cmd('seisgrow.discardGrown', () => discardGrown(this)),
      cmd('seisgrow.runs.refresh', () => this.tree.refresh()),
      cmd('seisgrow.runs.open', (item: RunItem | string) => openRun(this, item)),
      cmd('seisgrow.runs.compare', (item: RunItem | string, other?: RunItem | string) => compare(this, item, other)),
      cmd('seisgrow.runs.delete', (item: RunItem | string) => deleteRun(this, item)),
      cmd('seisgrow.runs.reveal', (item: RunItem | string) => openMetrics(this, item)),
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

  /** Show the run in flight (or the last backend) in the status bar. */
  updateStatus(): void {
    const a = this.active;
    this.status.update({
      active: a ? { run: a.run, stages: a.stages, volumePath: a.meta.volumePath } : undefined,
      volumeOpen: this.editors.documents.length > 0,
      lastBackend: this.lastBackend,
    });
  }

  /** Show a run in the panel; many updates a second are coalesced unless `immediate`. */
  showRun(run: PanelRun, immediate = false): void {
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

  /** Log an error and show it (with Open Settings for a bad setting). */
  reportError(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(message);
    const actions = e instanceof SeisGrowError && e.code === 'bad-config' ? ['Open Settings'] : [];
    void vscode.window.showErrorMessage(`SeisGrow: ${message}`, ...actions).then((pick) => {
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'seisgrow.training');
    });
  }

  // ---------------------------------------------------------------- documents

  /** The document to work on: the active seismic editor's, the only open one, or the user's pick. */
  async pickDocument(purpose: string): Promise<SeisGrowDocument | undefined> {
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

  /** The open document of a volume, if any. */
  documentForVolume(volumePath: string): SeisGrowDocument | undefined {
    return this.editors.documents.find((d) => path.resolve(d.model.path) === path.resolve(volumePath));
  }

  /** The volume and labels of a document to train on; a SeisGrowError when it could not be read. */
  source(doc: SeisGrowDocument): TrainingSource {
    const m = doc.model;
    if (!m.volume || !m.labels) throw new SeisGrowError('unreadable', `cannot train on it: ${m.openError?.message ?? 'the file could not be read'}`, m.path);
    return { path: m.path, volume: m.volume, labels: m.labels };
  }

  /** The training settings as they are now. */
  settings(): TrainingSettings {
    return readTrainingSettings(vscode.workspace.getConfiguration('seisgrow'));
  }

  /** The run store; a SeisGrowError when there is no local folder to keep runs in. */
  requireStore(): RunStore {
    if (!this.store) throw new SeisGrowError('no-storage', 'training runs need a local workspace folder (or global storage) to be kept in');
    return this.store;
  }

  // ---------------------------------------------------------------- overlays and the panel's buttons

  /** Put a run's per-section outputs on its document as overlays (grown labels only while undecided). */
  async showOverlays(meta: RunMeta, doc: SeisGrowDocument | undefined): Promise<void> {
    if (!doc || !doc.model.labels || !this.store) return;
    doc.model.setOverlays(await runOverlays(this.store, meta, doc.model.labels.shape));
  }

  private async onPanelMessage(m: FromPanelMessage): Promise<void> {
    try {
      switch (m.type) {
        case 'inspect': await inspectGrown(this); break;
        case 'accept': await acceptGrown(this); break;
        case 'discard': await discardGrown(this); break;
        case 'stop': stop(this); break;
        case 'closeComparison': this.panel.update({ run: this.panel.current.run, comparison: null }); break;
        default: break;
      }
    } catch (e) {
      this.reportError(e);
    }
  }
}

/** For tests and the host-side API: the section refs a run trains on. */
export type { SectionRef };
