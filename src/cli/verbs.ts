// The verbs of the command line, loaded lazily so `seisgrow info` never pays for the training engine.

/** A verb's entry point: receives its own arguments, returns the exit code. */
export type Verb = (args: string[]) => Promise<number>;

/** Every verb with its one-line summary; add a line here for a new verb (module src/cli/<name>.ts). */
export const verbs: Record<string, { summary: string; load: () => Promise<Verb> }> = {
};
