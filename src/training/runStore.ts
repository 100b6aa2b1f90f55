// Runs kept under the workspace's storage folder: one directory per run with our run.json (what the panel and the
// tree need), the engine's metrics.json and checkpoint/, and per-section grown labels and predictions as NPY.
// No vscode import; every write is atomic (temp file in the same folder, then rename).
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { readNpy, writeNpy } from '../io/npy';
import { safeWrite, writeFailure } from '../io/safeWrite';
import { LOSS_SERIES, type LossSeriesId, type PanelRun, type RunStatus } from '../shared/panelProtocol';
import type { StageNumber } from '../shared/trainingProtocol';
import type { SectionRef } from './trainingData';

/** Our description of a run, stored as run.json in its directory. */
export interface RunMeta {
  readonly format: 'seisgrow-run';
  readonly version: 1;
  readonly id: string;
  /** Absolute path of the seismic volume the run was trained on. */
  readonly volumePath: string;
  readonly created: string;
  readonly updated: string;
  readonly classes: number;
  /** The sections trained on, in request order (every later stage of the run uses the same ones). */
  readonly sections: readonly SectionRef[];
  readonly stagesCompleted: readonly StageNumber[];
  readonly status: RunStatus;
  /** The panel's view of the run, so reopening shows its curves as they were. */
  readonly panel: PanelRun;
  /** Which of the per-section arrays exist (written after a run's final prediction). */
  readonly outputs: { readonly grown: boolean; readonly prediction: boolean };
  /** Set when the volume-wide prediction was written (prediction.npy / confidence.npy in the run directory). */
  readonly volumePrediction?: { readonly shape: readonly [number, number, number] };
}

/** Per-section outputs of a run. */
export interface SectionArrays {
  readonly grown?: Uint8Array;
  readonly prediction?: Uint8Array;
  readonly confidence?: Float32Array;
}

const RUN_FILE = 'run.json';
const ID_PATTERN = /^[0-9]{8}-[0-9]{6}(-[0-9]+)?-[a-z0-9._-]{1,60}$/;

/** A filesystem-safe slug of a file name (for run ids). */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'volume';
}

/** A sortable run id: UTC time, then the volume's name. */
export function makeRunId(volumePath: string, now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${slug(path.basename(volumePath))}`;
}

/** The runs of one storage folder. */
export class RunStore {
  constructor(readonly root: string) {}

  /** Directory of a run; refuses ids that could escape the store. */
  dir(id: string): string {
    if (!ID_PATTERN.test(id)) throw new SeisGrowError('bad-request', `"${id}" is not a run id`);
    return path.join(this.root, id);
  }

  /** Create the directory and run.json of a new run; the id is unique even when two runs start in the same second. */
  async create(fields: Omit<RunMeta, 'format' | 'version' | 'id' | 'created' | 'updated'>, now = new Date()): Promise<RunMeta> {
    await fs.mkdir(this.root, { recursive: true });
    const base = makeRunId(fields.volumePath, now);
    let id = base;
    for (let n = 2; existsSync(path.join(this.root, id)); n++) id = base.replace(/^(\d{8}-\d{6})/, `$1-${n}`);
    await fs.mkdir(this.dir(id));
    const stamp = now.toISOString();
    const meta: RunMeta = { format: 'seisgrow-run', version: 1, id, created: stamp, updated: stamp, ...fields, panel: { ...fields.panel, runId: id } };
    await this.write(meta);
    return meta;
  }

  /** Write run.json atomically, stamping `updated`. */
  async write(meta: RunMeta): Promise<RunMeta> {
    const next: RunMeta = { ...meta, updated: new Date().toISOString() };
    const file = path.join(this.dir(meta.id), RUN_FILE);
    await safeWrite(file, JSON.stringify(next, null, 1)).catch((e: unknown) => { throw writeFailure(e, file); });
    return next;
  }

  /** Read one run; a missing or damaged run.json is a SeisGrowError naming the file. */
  async read(id: string): Promise<RunMeta> {
    const file = path.join(this.dir(id), RUN_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      throw new SeisGrowError('not-found', 'run not found (its run.json is missing)', file);
    }
    let meta: RunMeta;
    try {
      meta = JSON.parse(text) as RunMeta;
    } catch (e) {
      throw new SeisGrowError('corrupt', `run.json is not valid JSON: ${(e as Error).message}`, file);
    }
    if (meta.format !== 'seisgrow-run' || meta.id !== id || !meta.panel || !Array.isArray(meta.sections)) {
      throw new SeisGrowError('corrupt', 'run.json is not a SeisGrow run description', file);
    }
    return withLossSeriesIds(meta);
  }

  /** Every readable run, newest first; damaged ones are reported through `onProblem` and left out. */
  async list(onProblem: (e: SeisGrowError) => void = () => undefined): Promise<RunMeta[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch {
      return [];
    }
    const out: RunMeta[] = [];
    for (const name of names.filter((n) => ID_PATTERN.test(n)).sort().reverse()) {
      try {
        out.push(await this.read(name));
      } catch (e) {
        if (e instanceof SeisGrowError) onProblem(e); else throw e;
      }
    }
    return out;
  }

  /** Delete a run's directory and everything in it. */
  async delete(id: string): Promise<void> {
    const dir = this.dir(id);
    if (!existsSync(path.join(dir, RUN_FILE))) throw new SeisGrowError('not-found', 'not a run directory (no run.json)', dir);
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** The newest run of a volume that satisfies `accept` (e.g. has stage 1 done). */
  async latestFor(volumePath: string, accept: (m: RunMeta) => boolean = () => true): Promise<RunMeta | undefined> {
    const runs = await this.list();
    return runs.find((m) => path.resolve(m.volumePath) === path.resolve(volumePath) && accept(m));
  }

  private sectionFile(id: string, k: number, what: keyof SectionArrays): string {
    return path.join(this.dir(id), 'sections', `${k}.${what}.npy`);
  }

  /** Store the outputs of section k (height × width). */
  async writeSection(id: string, k: number, height: number, width: number, arrays: SectionArrays): Promise<void> {
    await fs.mkdir(path.join(this.dir(id), 'sections'), { recursive: true });
    if (arrays.grown) await writeNpy(this.sectionFile(id, k, 'grown'), arrays.grown, [height, width], '|u1');
    if (arrays.prediction) await writeNpy(this.sectionFile(id, k, 'prediction'), arrays.prediction, [height, width], '|u1');
    if (arrays.confidence) await writeNpy(this.sectionFile(id, k, 'confidence'), arrays.confidence, [height, width], '<f4');
  }

  /** Load the stored outputs of section k (absent ones are left out). */
  async readSection(id: string, k: number): Promise<SectionArrays> {
    const load = async (what: keyof SectionArrays): Promise<Uint8Array | Float32Array | undefined> => {
      const file = this.sectionFile(id, k, what);
      if (!existsSync(file)) return undefined;
      return (await readNpy(file)).data as Uint8Array | Float32Array;
    };
    const grown = await load('grown');
    const prediction = await load('prediction');
    const confidence = await load('confidence');
    return {
      ...(grown ? { grown: grown as Uint8Array } : {}),
      ...(prediction ? { prediction: prediction as Uint8Array } : {}),
      ...(confidence ? { confidence: confidence as Float32Array } : {}),
    };
  }

  /** Paths of the volume-wide prediction files of a run. */
  volumePredictionFiles(id: string): { prediction: string; confidence: string } {
    return { prediction: path.join(this.dir(id), 'prediction.npy'), confidence: path.join(this.dir(id), 'confidence.npy') };
  }
}

/** Runs stored before loss series had ids keyed them by legend text ("A supervised"): read those keys as ids. */
function withLossSeriesIds(meta: RunMeta): RunMeta {
  if (!Array.isArray(meta.panel.epochs)) return meta;
  const known = new Set<string>(LOSS_SERIES);
  const epochs = meta.panel.epochs.map((row) => {
    const losses: Partial<Record<LossSeriesId, number>> = {};
    for (const [key, value] of Object.entries(row.losses ?? {}) as [string, number][]) {
      const legacy = /^([AB]) ([a-z]+)$/.exec(key);
      const id = legacy ? `${legacy[1]!.toLowerCase()}.${legacy[2]}` : key;
      if (known.has(id)) losses[id as LossSeriesId] = value;
    }
    return { ...row, losses };
  });
  return { ...meta, panel: { ...meta.panel, epochs } };
}
