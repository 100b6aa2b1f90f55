// The training status bar item: the stage, epoch, loss, ETA and backend of the run in flight, else the last backend.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelRun } from '../shared/panelProtocol';
import type { StageNumber } from '../shared/trainingProtocol';
import { formatSeconds } from './format';

/** What the status bar shows: the run in flight, whether a volume is open, the backend last used. */
export interface StatusBarState {
  readonly active: { readonly run: PanelRun; readonly stages: readonly StageNumber[]; readonly volumePath: string } | undefined;
  readonly volumeOpen: boolean;
  readonly lastBackend: string | null;
}

/** The status bar item of training; a click shows the training panel. */
export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('seisgrow.training', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'SeisGrow Training';
    this.item.command = 'seisgrow.showTrainingPanel';
  }

  /** Show the state (hidden when nothing is open and nothing ran). */
  update(state: StatusBarState): void {
    const a = state.active;
    if (a) {
      const r = a.run;
      const last = r.epochs[r.epochs.length - 1];
      const loss = last ? ((last.losses['a.supervised'] ?? 0) + (last.losses['b.supervised'] ?? 0)) / 2 : null;
      this.item.text = `$(sync~spin) SeisGrow S${r.stage ?? a.stages[0]} ${r.epoch ?? 0}/${r.stageEpochs ?? '?'}${loss !== null ? ` · loss ${loss.toFixed(3)}` : ''}${r.etaSeconds !== null ? ` · ETA ${formatSeconds(r.etaSeconds)}` : ''} · ${r.backend ?? 'starting'}`;
      this.item.tooltip = `Training ${path.basename(a.volumePath)} — click to show the training panel`;
      this.item.show();
    } else if (state.volumeOpen || state.lastBackend) {
      this.item.text = `$(graph-line) SeisGrow${state.lastBackend ? ` · ${state.lastBackend}` : ''}`;
      this.item.tooltip = state.lastBackend ? `Last training backend: ${state.lastBackend}` : 'SeisGrow training panel';
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
