// A small argument parser every verb shares: declared options only (an unknown one is an error, never ignored),
// `--name value` and `--name=value`, repeated values for list options, typed numbers, and generated --help text.
import { SeisGrowError } from '../shared/errors';

/** How an option takes its value. 'strings' takes one or more values (`--seismic a.npy b.npy`, or repeated). */
export type OptionKind = 'flag' | 'string' | 'number' | 'integer' | 'strings';

/** One declared option. */
export interface OptionSpec {
  /** Long name without dashes, e.g. 'inline'. */
  readonly name: string;
  readonly kind: OptionKind;
  /** One line of help. */
  readonly help: string;
  /** Placeholder in the help text, e.g. 'N' or 'FILE'. */
  readonly metavar?: string;
  /** Shown as "(default: …)" in the help; parsing does not fill it in. */
  readonly defaultText?: string;
}

/** A positional argument, for the usage and help text and the count check. */
export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  /** Default true. */
  readonly required?: boolean;
}

/** Everything parseArgs needs to know about a verb. */
export interface CommandSpec {
  readonly command: string;
  readonly summary: string;
  /** Usage line after "seisgrow <command> ", e.g. 'FILE [--json]'. */
  readonly usage: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs at the end of --help. */
  readonly epilog?: string;
}

/** Parsed arguments with typed accessors; each accessor checks the name was declared (catches typos in verbs). */
export class ParsedArgs {
  constructor(private readonly spec: CommandSpec, readonly positionals: readonly string[], private readonly values: ReadonlyMap<string, string[] | true>) {}

  /** True when the option was given. */
  has(name: string): boolean {
    this.option(name);
    return this.values.has(name);
  }

  /** A boolean flag. */
  flag(name: string): boolean {
    this.option(name, 'flag');
    return this.values.get(name) === true;
  }

  /** A single string value, or undefined when absent. */
  string(name: string): string | undefined {
    this.option(name, 'string');
    const v = this.values.get(name);
    return Array.isArray(v) ? v[0] : undefined;
  }

  /** A required string value. */
  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw usageError(this.spec, `missing required option --${name}`);
    return v;
  }

  /** A finite number, or undefined when absent. */
  number(name: string): number | undefined {
    const spec = this.option(name);
    const v = this.values.get(name);
    if (!Array.isArray(v)) return undefined;
    return parseNumber(this.spec, spec, v[0]);
  }

  /** An integer, or undefined when absent. */
  integer(name: string): number | undefined {
    return this.number(name);
  }

  /** All values of a list option (empty when absent). */
  strings(name: string): string[] {
    this.option(name, 'strings');
    const v = this.values.get(name);
    return Array.isArray(v) ? [...v] : [];
  }

  private option(name: string, kind?: OptionKind): OptionSpec {
    const spec = this.spec.options.find((o) => o.name === name);
    if (!spec) throw new Error(`seisgrow ${this.spec.command}: option --${name} is not declared`);
    if (kind && spec.kind !== kind && !(kind === 'string' && spec.kind !== 'flag' && spec.kind !== 'strings')) {
      throw new Error(`seisgrow ${this.spec.command}: option --${name} is a ${spec.kind}, not a ${kind}`);
    }
    return spec;
  }
}

function parseNumber(cmd: CommandSpec, spec: OptionSpec, text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw usageError(cmd, `option --${spec.name} needs a number, got "${text}"`);
  if (spec.kind === 'integer' && !Number.isInteger(value)) throw usageError(cmd, `option --${spec.name} needs an integer, got "${text}"`);
  return value;
}

/** A usage mistake: a SeisGrowError (one stderr line, exit 1) that points at --help. */
export function usageError(spec: CommandSpec, message: string): SeisGrowError {
  return new SeisGrowError('usage', `${message} (see "seisgrow ${spec.command} --help")`);
}

/**
 * Parse `args` against `spec`. Returns undefined after printing the help text when --help or -h is given
 * (the verb then exits 0). Throws a usage SeisGrowError for unknown options, missing values, bad numbers,
 * a single-valued option given twice, or the wrong number of positionals.
 */
export function parseArgs(spec: CommandSpec, args: readonly string[], print: (text: string) => void = (t) => console.log(t)): ParsedArgs | undefined {
  const values = new Map<string, string[] | true>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') { onlyPositionals = true; continue; }
    if (arg === '--help' || arg === '-h') { print(formatHelp(spec)); return undefined; }
    if (!arg.startsWith('--')) throw usageError(spec, `unknown option ${arg}: options are long (--name)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inlineValue = eq < 0 ? undefined : arg.slice(eq + 1);
    const option = spec.options.find((o) => o.name === name);
    if (!option) throw usageError(spec, `unknown option --${name}${suggest(name, spec.options.map((o) => o.name))}`);
    if (option.kind === 'flag') {
      if (inlineValue !== undefined) throw usageError(spec, `option --${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const taken: string[] = [];
    if (inlineValue !== undefined) taken.push(inlineValue);
    else {
      // A value may start with '-' (a negative number), but never '--' (the next option).
      if (i + 1 >= args.length || args[i + 1].startsWith('--')) throw usageError(spec, `option --${name} needs a value${option.metavar ? ` (${option.metavar})` : ''}`);
      taken.push(args[++i]);
      if (option.kind === 'strings') while (i + 1 < args.length && !args[i + 1].startsWith('--')) taken.push(args[++i]);
    }
    const previous = values.get(name);
    if (option.kind === 'strings') values.set(name, [...(Array.isArray(previous) ? previous : []), ...taken]);
    else {
      if (previous !== undefined) throw usageError(spec, `option --${name} given more than once`);
      if (option.kind === 'number' || option.kind === 'integer') parseNumber(spec, option, taken[0]);
      values.set(name, taken);
    }
  }
  const required = spec.positionals.filter((p) => p.required !== false).length;
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length, required).map((p) => p.name).join(' ');
    throw usageError(spec, `missing ${missing}`);
  }
  if (positionals.length > spec.positionals.length) {
    throw usageError(spec, `unexpected argument "${positionals[spec.positionals.length]}"`);
  }
  return new ParsedArgs(spec, positionals, values);
}

function suggest(name: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best ? `; did you mean --${best}?` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The --help text of a verb: usage, summary, positionals, options (with metavars and defaults), epilog. */
export function formatHelp(spec: CommandSpec): string {
  const lines = [`usage: seisgrow ${spec.command} ${spec.usage}`, '', spec.summary];
  if (spec.positionals.length) {
    lines.push('', 'arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.help}`);
  }
  lines.push('', 'options:');
  const rows = spec.options.map((o) => {
    const meta = o.kind === 'flag' ? '' : ` ${o.metavar ?? (o.kind === 'strings' ? 'VALUE...' : 'VALUE')}`;
    return [`--${o.name}${meta}`, `${o.help}${o.defaultText ? ` (default: ${o.defaultText})` : ''}`];
  });
  rows.push(['--help', 'show this help and exit']);
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(24)} ${right}`);
  if (spec.epilog) lines.push('', spec.epilog);
  return lines.join('\n');
}
