// Checkpoints: both networks' weights and optimizer slots, config, seed, normalisation, grown labels, classes and
// input shapes, as one directory written atomically (built in a temporary sibling, then swapped in by rename), so a
// crash or a cancel never leaves a half-written checkpoint where the last complete one was.
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { safeWrite } from '../io/safeWrite';
import type { SerializedTensor, StageNumber } from '../shared/trainingProtocol';
import type { NetworkDescription } from '../shared/trainingConfig';
import type { FrozenConfig } from './config';

/** One network's trainable state. */
export interface NetState {
  weights: SerializedTensor[];
  optimizer: SerializedTensor[];
}

/** Input normalisation: x' = clamp((x − center) / scale, −clip, clip), from robust statistics of the training inputs. */
export interface Normalisation {
  center: number;
  scale: number;
  clip: number;
}

/** Everything a run needs to resume, predict, or be inspected. */
export interface CheckpointData {
  /** The stage the networks were last trained in, and how many of its epochs are complete. */
  stage: StageNumber;
  epoch: number;
  stagesCompleted: StageNumber[];
  config: FrozenConfig;
  network: NetworkDescription;
  normalisation: Normalisation;
  sections: { name: string; height: number; width: number }[];
  nets: { a: NetState; b: NetState };
  /** Training labels per section after growing (255 = unlabelled); the sparse seeds before stage 3. */
  grownLabels: Uint8Array[];
  backend: string;
  /** The depth order of the units the user's labels imply (orderedUnits), top first; null when none or off. */
  unitOrder: number[] | null;
}

/** What a loader expects, so a checkpoint for another problem is refused with a clear message. */
export interface CheckpointExpectation {
  classes?: number;
  /** Channels of the data (the derived depth channel not counted). */
  inChannels?: number;
  /** Section shapes when the checkpoint will be resumed on the same inputs (grown labels must fit). */
  sections?: { height: number; width: number }[];
}

const FORMAT = 'seisgrow-checkpoint';
const VERSION = 1;
const MANIFEST = 'manifest.json';

interface TensorEntry { name: string; shape: number[]; offset: number; length: number }
interface Manifest {
  format: string;
  version: number;
  createdAt: string;
  stage: StageNumber;
  epoch: number;
  stagesCompleted: StageNumber[];
  seed: number;
  config: FrozenConfig;
  network: NetworkDescription;
  normalisation: Normalisation;
  sections: { name: string; height: number; width: number }[];
  nets: Record<'a' | 'b', { file: string; weights: TensorEntry[]; optimizer: TensorEntry[] }>;
  labels: { file: string; offsets: number[] };
  backend: string;
  /** Absent in checkpoints written before ordered units existed (= none). */
  unitOrder?: number[] | null;
}

/** The checkpoint directory of a run directory. */
export function checkpointDir(runDir: string): string {
  return path.join(runDir, 'checkpoint');
}

function layout(tensors: SerializedTensor[], start: number): { entries: TensorEntry[]; end: number } {
  let offset = start;
  const entries = tensors.map((t) => {
    const e = { name: t.name, shape: [...t.shape], offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  return { entries, end: offset };
}

function packNet(state: NetState): { buffer: Buffer; weights: TensorEntry[]; optimizer: TensorEntry[] } {
  const w = layout(state.weights, 0);
  const o = layout(state.optimizer, w.end);
  const all = new Float32Array(o.end);
  for (const [t, e] of [...state.weights.map((t, i) => [t, w.entries[i]] as const), ...state.optimizer.map((t, i) => [t, o.entries[i]] as const)]) {
    all.set(t.data, e.offset);
  }
  return { buffer: Buffer.from(all.buffer, all.byteOffset, all.byteLength), weights: w.entries, optimizer: o.entries };
}

/** Write a checkpoint directory atomically: a temporary sibling is filled (each file by safeWrite, so fsynced), then renamed into place. */
export async function writeCheckpoint(dir: string, data: CheckpointData): Promise<void> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await fs.mkdir(tmp);
  try {
    const nets = {} as Manifest['nets'];
    for (const role of ['a', 'b'] as const) {
      const packed = packNet(data.nets[role]);
      const file = `net-${role}.bin`;
      await safeWrite(path.join(tmp, file), packed.buffer);
      nets[role] = { file, weights: packed.weights, optimizer: packed.optimizer };
    }
    const offsets: number[] = [];
    let total = 0;
    for (const l of data.grownLabels) { offsets.push(total); total += l.length; }
    const labels = Buffer.alloc(total);
    data.grownLabels.forEach((l, i) => labels.set(l, offsets[i]));
    await safeWrite(path.join(tmp, 'labels.bin'), labels);
    const manifest: Manifest = {
      format: FORMAT, version: VERSION, createdAt: new Date().toISOString(),
      stage: data.stage, epoch: data.epoch, stagesCompleted: data.stagesCompleted, seed: data.config.seed,
      config: data.config, network: data.network, normalisation: data.normalisation, sections: data.sections,
      nets, labels: { file: 'labels.bin', offsets }, backend: data.backend, unitOrder: data.unitOrder,
    };
    await safeWrite(path.join(tmp, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 1)));
    // Swap: the old checkpoint is moved aside first because rename cannot replace a non-empty directory.
    const old = `${dir}.old`;
    await fs.rm(old, { recursive: true, force: true });
    if (existsSync(dir)) await fs.rename(dir, old);
    await fs.rename(tmp, dir);
    await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Resolve a run directory or a checkpoint directory to the checkpoint directory (falling back to the swap's `.old`). */
export function resolveCheckpoint(runOrCheckpoint: string): string {
  const candidates = [runOrCheckpoint, checkpointDir(runOrCheckpoint), `${runOrCheckpoint}.old`, `${checkpointDir(runOrCheckpoint)}.old`];
  for (const c of candidates) if (existsSync(path.join(c, MANIFEST))) return c;
  throw new SeisGrowError('not-found', 'no checkpoint here (expected a run directory holding checkpoint/manifest.json, or a checkpoint directory)', runOrCheckpoint);
}

function unpack(all: Float32Array, entries: TensorEntry[], file: string): SerializedTensor[] {
  return entries.map((e) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length || e.offset + e.length > all.length) throw new SeisGrowError('corrupt', `tensor "${e.name}" does not fit the data file`, file);
    return { name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + e.length) };
  });
}

/** Load a checkpoint (run directory or checkpoint directory); a checkpoint for another class or channel count is a clear error. */
export async function readCheckpoint(runOrCheckpoint: string, expect: CheckpointExpectation = {}): Promise<CheckpointData> {
  const dir = resolveCheckpoint(runOrCheckpoint);
  const manifestPath = path.join(dir, MANIFEST);
  let m: Manifest;
  try {
    m = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Manifest;
  } catch (e) {
    throw new SeisGrowError('corrupt', `unreadable checkpoint manifest (${(e as Error).message})`, manifestPath);
  }
  if (m.format !== FORMAT) throw new SeisGrowError('corrupt', 'not a SeisGrow checkpoint manifest', manifestPath);
  if (m.version !== VERSION) throw new SeisGrowError('bad-version', `checkpoint format version ${m.version}, this build reads ${VERSION}`, manifestPath);
  if (expect.classes !== undefined && m.network.classes !== expect.classes) {
    throw new SeisGrowError('mismatch', `checkpoint was trained for ${m.network.classes} classes, the data has ${expect.classes}`, dir);
  }
  const dataChannels = m.network.inChannels - (m.network.depthChannel ? 1 : 0);
  if (expect.inChannels !== undefined && dataChannels !== expect.inChannels) {
    throw new SeisGrowError('mismatch', `checkpoint expects ${dataChannels} input channel(s), the data has ${expect.inChannels}`, dir);
  }
  if (expect.sections) {
    const got = expect.sections.map((s) => `${s.height}×${s.width}`).join(', ');
    const had = m.sections.map((s) => `${s.height}×${s.width}`).join(', ');
    if (got !== had) throw new SeisGrowError('mismatch', `checkpoint was trained on sections ${had}; these inputs are ${got}`, dir);
  }
  const nets = {} as { a: NetState; b: NetState };
  for (const role of ['a', 'b'] as const) {
    const file = path.join(dir, m.nets[role].file);
    const buf = await fs.readFile(file);
    if (buf.byteLength % 4 !== 0) throw new SeisGrowError('corrupt', 'weight file length is not a multiple of 4', file);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    nets[role] = { weights: unpack(all, m.nets[role].weights, file), optimizer: unpack(all, m.nets[role].optimizer, file) };
  }
  const labelsFile = path.join(dir, m.labels.file);
  const labels = await fs.readFile(labelsFile);
  const grownLabels = m.sections.map((s, i) => {
    const start = m.labels.offsets[i];
    const n = s.height * s.width;
    if (start === undefined || start + n > labels.length) throw new SeisGrowError('corrupt', 'grown labels do not fit the sections', labelsFile);
    return new Uint8Array(labels.subarray(start, start + n));
  });
  const unitOrder = m.unitOrder ?? null;
  if (unitOrder !== null && (!Array.isArray(unitOrder) || unitOrder.length < 2 || new Set(unitOrder).size !== unitOrder.length
    || unitOrder.some((c) => !(Number.isInteger(c) && c >= 0 && c < m.network.classes)))) {
    throw new SeisGrowError('corrupt', `unit order ${JSON.stringify(unitOrder)} is not a list of distinct classes of 0..${m.network.classes - 1}`, manifestPath);
  }
  return {
    stage: m.stage, epoch: m.epoch, stagesCompleted: m.stagesCompleted, config: m.config, network: m.network,
    normalisation: m.normalisation, sections: m.sections, nets, grownLabels, backend: m.backend, unitOrder,
  };
}
