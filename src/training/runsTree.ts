// The tree of runs under the workspace's storage: one item per run (newest first), with its stages, status and
// final mean IoU; context values drive the inline/context menu commands (open, compare, delete, metrics).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunMeta, RunStore } from './runStore';
import { finalScores } from './panelState';

/** Registered id of the runs tree (package.json contributes.views). */
export const RUNS_VIEW_ID = 'seisgrow.runs';

/** One run in the tree. */
export class RunItem extends vscode.TreeItem {
  constructor(readonly meta: RunMeta, active: boolean) {
    super(path.basename(meta.volumePath), vscode.TreeItemCollapsibleState.None);
    const stages = meta.stagesCompleted.length ? `stages ${meta.stagesCompleted.join('+')}` : 'no stage finished';
    const miou = finalScores(meta.panel).miou;
    const when = meta.created.replace('T', ' ').slice(0, 16);
    this.id = meta.id;
    this.description = `${stages}${miou !== null ? ` · mIoU ${miou.toFixed(3)}` : ''} · ${when}`;
    this.tooltip = new vscode.MarkdownString([
      `**${path.basename(meta.volumePath)}** — ${meta.status}`,
      `- volume: \`${meta.volumePath}\``,
      `- ${stages}; ${meta.panel.epochs.length} epochs; backend ${meta.panel.backend ?? 'n/a'}`,
      `- sections: ${meta.sections.filter((s) => s.labelled).length} labelled + ${meta.sections.filter((s) => !s.labelled).length} unlabelled`,
      miou !== null ? `- final validation mIoU: ${miou.toFixed(3)}` : '- no validation score yet',
      `- started ${meta.created}`,
    ].join('\n'));
    this.iconPath = new vscode.ThemeIcon(
      active ? 'sync~spin' : meta.status === 'done' ? 'pass' : meta.status === 'failed' ? 'error' : meta.status === 'cancelled' ? 'circle-slash' : 'circle-outline',
    );
    this.contextValue = active ? 'seisgrowRunActive' : 'seisgrowRun';
    this.command = { command: 'seisgrow.runs.open', title: 'Open Run', arguments: [this] };
  }
}

/** Tree data over the run store; refresh() after a run starts, ends or is deleted. */
export class RunsTreeProvider implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: RunStore | undefined, private readonly activeRunId: () => string | undefined, private readonly log: (line: string) => void) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: RunItem): Promise<RunItem[]> {
    if (item || !this.store) return [];
    const runs = await this.store.list((e) => this.log(`runs: skipped ${e.message}`));
    const active = this.activeRunId();
    return runs.map((m) => new RunItem(m, m.id === active));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
