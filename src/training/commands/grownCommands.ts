// Inspect, Accept and Discard grown labels of the shown run; which labels to accept is ops/acceptGrown.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SeisGrowError } from '../../shared/errors';
import type { SeisGrowDocument } from '../../editor/provider';
import { SEISMIC_EDITOR_VIEW_TYPE } from '../../editor/provider';
import { UNLABELLED } from '../../shared/editorProtocol';
import type { TrainingController } from '../controller';
import { InspectPanel, type InspectSection } from '../inspectPanel';
import { withGrownDecision } from '../panelState';
import type { RunMeta } from '../runStore';
import { grownToAccept } from '../ops/acceptGrown';

/** The shown run with grown labels waiting, and its open document; else says why not and returns undefined. */
async function shownWithGrown(c: TrainingController): Promise<{ meta: RunMeta; doc: SeisGrowDocument } | undefined> {
  const meta = c.shown?.meta;
  if (!meta || meta.panel.grown?.decision !== 'pending') {
    void vscode.window.showInformationMessage('SeisGrow: no grown labels are waiting; run Grow Labels (Stage 3) first.');
    return undefined;
  }
  const doc = c.documentForVolume(meta.volumePath);
  if (!doc) {
    const pick = await vscode.window.showWarningMessage(`SeisGrow: open ${path.basename(meta.volumePath)} to work with its grown labels.`, 'Open');
    if (pick) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(meta.volumePath), SEISMIC_EDITOR_VIEW_TYPE);
    return undefined;
  }
  return { meta, doc };
}

/** Open the inspect view: a section with seed, grown, prediction and confidence layers and the differences. */
export async function inspectGrown(c: TrainingController): Promise<void> {
  const meta = c.shown?.meta;
  if (!meta || !c.store) { void vscode.window.showInformationMessage('SeisGrow: no run to inspect yet; train a stage first.'); return; }
  const doc = c.documentForVolume(meta.volumePath);
  const store = c.store;
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
  if (!c.inspect || c.inspect.disposed) c.inspect = new InspectPanel(c.context.extensionUri, (line) => c.log.warn(line));
  // Start on the section where growing added most; else the first labelled one.
  const counts = await Promise.all(meta.sections.map(async (_, k) => {
    const g = (await store.readSection(meta.id, k)).grown;
    let n = 0;
    if (g) for (const v of g) if (v !== UNLABELLED) n++;
    return n;
  }));
  const first = counts.reduce((best, n, k) => (n > counts[best] ? k : best), 0);
  await c.inspect.show(`Inspect: ${path.basename(meta.volumePath)}`, meta.panel.classNames, meta.panel.classColors, list, first, loader);
}

/** Accept the grown labels of the shown run into its document as ONE undoable edit (never over existing labels). */
export async function acceptGrown(c: TrainingController): Promise<void> {
  const target = await shownWithGrown(c);
  if (!target || !c.store) return;
  const { meta, doc } = target;
  const labels = doc.model.labels;
  if (!labels) return;
  const region = await grownToAccept(c.store, meta, labels.shape, (v) => labels.get(v));
  if (region.voxels.length === 0) {
    void vscode.window.showInformationMessage('SeisGrow: the grown labels add nothing beyond the current labels.');
  } else {
    doc.model.ensureClasses([...new Set(region.values)]);
    doc.model.applyLabelRegion(`Accept grown labels (${meta.id})`, region.voxels, region.values);
    c.log.info(`accepted ${region.voxels.length} grown labels from run ${meta.id} into ${meta.volumePath} (one undoable edit; save to write ${doc.model.sidecar.labels})`);
    void vscode.window.showInformationMessage(`SeisGrow: accepted ${region.voxels.length.toLocaleString('en-US')} grown labels into ${path.basename(meta.volumePath)} — undo with Ctrl+Z; save to write the label file.`);
  }
  await decide(c, meta, doc, 'accepted');
}

/** Drop the grown labels of the shown run (they stay in the run folder). */
export async function discardGrown(c: TrainingController): Promise<void> {
  const meta = c.shown?.meta;
  if (!meta || meta.panel.grown?.decision !== 'pending') return;
  await decide(c, meta, c.documentForVolume(meta.volumePath), 'discarded');
}

async function decide(c: TrainingController, meta: RunMeta, doc: SeisGrowDocument | undefined, decision: 'accepted' | 'discarded'): Promise<void> {
  const panel = withGrownDecision(meta.panel, decision);
  const next = await c.requireStore().write({ ...meta, panel });
  c.shown = { meta: next };
  c.showRun(panel, true);
  await c.showOverlays(next, doc);
  await c.refreshContext();
}
