// The verbs of the command line, loaded lazily so `seisgrow info` never pays for the training engine.

/** A verb's entry point: receives its own arguments, returns the exit code. */
export type Verb = (args: string[]) => Promise<number>;

/** Every verb with its one-line summary; add a line here for a new verb (module src/cli/<name>.ts). */
export const verbs: Record<string, { summary: string; load: () => Promise<Verb> }> = {
  // require(), not import(): esbuild still bundles it lazily, and mocha's tsx/cjs hook can resolve it (a native
  // dynamic import() of a .ts path cannot be resolved under tsx/cjs).
  info: { summary: 'describe a SEG-Y or NPY volume (shape, line ranges, sample axis, encoding)', load: async () => (require('./info') as typeof import('./info')).default },
  slice: { summary: 'write one inline, crossline or time slice as a float32 NPY file', load: async () => (require('./slice') as typeof import('./slice')).default },
  train: { summary: 'train on sparse labels: stage 1 supervised, 2 cross pseudo supervision, 3 region growing', load: async () => (require('./train') as typeof import('./train')).default },
  predict: { summary: 'predict classes for new seismic with a trained run', load: async () => (require('./predict') as typeof import('./predict')).default },
  evaluate: { summary: 'score a prediction against the truth (IoU, accuracy, FWIU, TGS score)', load: async () => (require('./evaluate') as typeof import('./evaluate')).default },
  demo: { summary: 'train all three stages on the embedded F3 crop and print the per-class IoU against the truth', load: async () => (require('./demo') as typeof import('./demo')).default },
};
