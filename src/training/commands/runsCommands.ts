// The runs tree's commands: open a run in the panel, compare two, delete one, open its metrics.json.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { TrainingController } from '../controller';
import { compareRuns, finalScores } from '../panelState';
import type { RunItem } from '../runsTree';
import type { RunMeta } from '../runStore';

/** The run of a tree item or id, read from the store. */
async function runOf(c: TrainingController, item: RunItem | string | undefined): Promise<RunMeta | undefined> {
  if (!item || !c.store) return undefined;
  return typeof item === 'string' ? c.store.read(item) : c.store.read(item.meta.id);
}

/** Show a stored run in the panel (its curves, IoU and growth), and its outputs on its volume if open. */
export async function openRun(c: TrainingController, item: RunItem | string): Promise<void> {
  const meta = await runOf(c, item);
  if (!meta) return;
  if (c.active?.meta.id === meta.id) { c.showRun(c.active.run, true); await c.panel.reveal(); return; }
  c.shown = { meta };
  c.panel.update({ run: meta.panel, comparison: null });
  await c.showOverlays(meta, c.documentForVolume(meta.volumePath));
  await c.refreshContext();
  await c.panel.reveal();
}

/** Two runs' final IoU side by side in the panel; asks for the second run unless given. */
export async function compare(c: TrainingController, item: RunItem | string, other?: RunItem | string): Promise<void> {
  const first = await runOf(c, item);
  if (!first || !c.store) return;
  const given = other !== undefined ? await runOf(c, other) : undefined;
  const others = given ? [] : (await c.store.list()).filter((m) => m.id !== first.id);
  if (!given && others.length === 0) { void vscode.window.showInformationMessage('SeisGrow: there is no other run to compare with.'); return; }
  const pick = given ? { meta: given } : await vscode.window.showQuickPick(others.map((m) => {
    const miou = finalScores(m.panel).miou;
    return { label: path.basename(m.volumePath), description: `stages ${m.stagesCompleted.join('+') || 'none'}${miou !== null ? ` · mIoU ${miou.toFixed(3)}` : ''}`, detail: m.created, meta: m };
  }), { title: `Compare ${path.basename(first.volumePath)} (${first.created.slice(0, 16)}) with…` });
  if (!pick) return;
  const label = (m: RunMeta): string => `${path.basename(m.volumePath)} ${m.created.slice(5, 16).replace('T', ' ')} (S${m.stagesCompleted.join('+') || '–'})`;
  const comparison = compareRuns([{ ...first.panel, title: label(first) }, { ...pick.meta.panel, title: label(pick.meta) }]);
  c.panel.update({ run: c.panel.current.run, comparison });
  await c.panel.reveal();
}

/** Delete a run after a modal confirmation. */
export async function deleteRun(c: TrainingController, item: RunItem | string): Promise<void> {
  const meta = await runOf(c, item);
  if (!meta || !c.store) return;
  if (c.active?.meta.id === meta.id) { void vscode.window.showWarningMessage('SeisGrow: stop the training run before deleting it.'); return; }
  const pick = await vscode.window.showWarningMessage(`Delete the run of ${path.basename(meta.volumePath)} started ${meta.created.replace('T', ' ').slice(0, 19)}? Its checkpoints, metrics and grown labels are removed; your label files are not touched.`, { modal: true }, 'Delete');
  if (pick !== 'Delete') return;
  await c.store.delete(meta.id);
  c.log.info(`deleted run ${meta.id}`);
  if (c.shown?.meta.id === meta.id) {
    c.shown = undefined;
    c.panel.update({ run: null, comparison: null });
  }
  c.stagesByVolume.delete(meta.volumePath);
  c.tree.refresh();
  await c.refreshContext();
}

/** Open a run's metrics.json (per-epoch losses and IoU, as the engine wrote them). */
export async function openMetrics(c: TrainingController, item: RunItem | string): Promise<void> {
  const meta = await runOf(c, item);
  if (!meta || !c.store) return;
  const file = path.join(c.store.dir(meta.id), 'metrics.json');
  if (!existsSync(file)) { void vscode.window.showInformationMessage('SeisGrow: this run has no metrics.json yet.'); return; }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
}
