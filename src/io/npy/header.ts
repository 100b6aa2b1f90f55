// The NPY preamble and header: magic, version, header length, and the header itself, a Python dict literal
// parsed by a small tokenizer (never eval, never a regular expression over the whole text), so malformed
// headers are rejected with a message that says what is wrong and where.
import { SeisGrowError } from '../../shared/errors';
import { DTypeSpec, parseDescr } from './dtype';

/** The six magic bytes every NPY file starts with. */
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** The most header bytes we read before giving up: numpy itself refuses headers over 10 000 bytes by default. */
export const MAX_HEADER_BYTES = 1 << 20;

/** A parsed NPY header: where the data starts and how it is laid out. */
export interface NpyHeader {
  readonly version: 1 | 2 | 3;
  /** The descr string exactly as stored, e.g. '<f4'. */
  readonly descr: string;
  readonly dtype: DTypeSpec;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the first data byte (preamble + header). */
  readonly dataOffset: number;
  /** Number of elements (product of the shape; 1 for a 0-d array). */
  readonly count: number;
}

/** True when the bytes start with the NPY magic. */
export function hasNpyMagic(bytes: Uint8Array): boolean {
  if (bytes.length < NPY_MAGIC.length) return false;
  for (let i = 0; i < NPY_MAGIC.length; i++) if (bytes[i] !== NPY_MAGIC[i]) return false;
  return true;
}

/** Read the 10- or 12-byte preamble: version and header length. Throws SeisGrowError on bad magic or version. */
export function parsePreamble(bytes: Uint8Array, file?: string): { version: 1 | 2 | 3; headerLength: number; headerStart: number } {
  if (bytes.length === 0) throw new SeisGrowError('empty', 'the file is empty (0 bytes), not an NPY array', file);
  if (!startsLikeMagic(bytes)) throw new SeisGrowError('bad-magic', 'not an NPY file: it does not start with the magic bytes \\x93NUMPY', file);
  if (bytes.length < 8) {
    throw new SeisGrowError('truncated', `truncated NPY file: only ${bytes.length} bytes, the preamble alone needs at least 10`, file);
  }
  if (!hasNpyMagic(bytes)) throw new SeisGrowError('bad-magic', 'not an NPY file: it does not start with the magic bytes \\x93NUMPY', file);
  const major = bytes[6];
  const minor = bytes[7];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new SeisGrowError('bad-version', `unsupported NPY format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`, file);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) {
    throw new SeisGrowError('truncated', `truncated NPY file: the preamble ends after ${bytes.length} bytes, before the header length`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  return { version: major as 1 | 2 | 3, headerLength, headerStart: 8 + lengthBytes };
}

/** A prefix of the magic (the file is shorter than the magic itself but may still be an NPY file cut short). */
function startsLikeMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(bytes.length, NPY_MAGIC.length); i++) if (bytes[i] !== NPY_MAGIC[i]) return false;
  return true;
}

/** Decode and validate the header text (the bytes after the preamble) into an NpyHeader. */
export function parseHeaderText(raw: Uint8Array, version: 1 | 2 | 3, headerStart: number, file?: string): NpyHeader {
  let text: string;
  if (version === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new SeisGrowError('bad-header', 'NPY 3.0 header is not valid UTF-8', file);
    }
  } else {
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] > 0x7f) throw new SeisGrowError('bad-header', `NPY ${version}.0 header has a non-ASCII byte at offset ${headerStart + i}`, file);
    }
    text = Buffer.from(raw).toString('latin1');
  }
  let value: PyValue;
  try {
    value = parsePythonLiteral(text);
  } catch (e) {
    if (e instanceof LiteralError) throw new SeisGrowError('bad-header', `malformed NPY header: ${e.message} in ${JSON.stringify(clip(text))}`, file);
    throw e;
  }
  if (!(value instanceof Map)) throw new SeisGrowError('bad-header', `malformed NPY header: expected a dict, found ${describe(value)}`, file);
  const keys = [...value.keys()];
  for (const required of ['descr', 'fortran_order', 'shape']) {
    if (!value.has(required)) throw new SeisGrowError('bad-header', `malformed NPY header: the key '${required}' is missing (found ${keys.map((k) => `'${k}'`).join(', ') || 'none'})`, file);
  }
  const extra = keys.filter((k) => k !== 'descr' && k !== 'fortran_order' && k !== 'shape');
  if (extra.length) throw new SeisGrowError('bad-header', `malformed NPY header: unexpected key(s) ${extra.map((k) => `'${k}'`).join(', ')}`, file);

  const descr = value.get('descr');
  if (typeof descr !== 'string') {
    throw new SeisGrowError('unsupported-dtype', `unsupported NPY dtype ${describe(descr)}: structured/record arrays are not supported, only plain numeric arrays`, file);
  }
  const dtype = parseDescr(descr, file);
  const fortran = value.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new SeisGrowError('bad-header', `malformed NPY header: 'fortran_order' must be True or False, found ${describe(fortran)}`, file);
  const shapeValue = value.get('shape');
  if (!Array.isArray(shapeValue)) throw new SeisGrowError('bad-header', `malformed NPY header: 'shape' must be a tuple of integers, found ${describe(shapeValue)}`, file);
  const shape: number[] = [];
  let count = 1;
  for (const dim of shapeValue) {
    if (typeof dim !== 'bigint') throw new SeisGrowError('bad-header', `malformed NPY header: 'shape' must hold integers, found ${describe(dim)}`, file);
    if (dim < 0n) throw new SeisGrowError('bad-header', `malformed NPY header: negative dimension ${dim} in shape`, file);
    if (dim > BigInt(Number.MAX_SAFE_INTEGER)) throw new SeisGrowError('too-large', `NPY shape dimension ${dim} is absurdly large`, file);
    shape.push(Number(dim));
    count *= Number(dim);
  }
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(count * dtype.itemSize)) {
    throw new SeisGrowError('too-large', `NPY shape (${shape.join(', ')}) has an absurd number of elements`, file);
  }
  return { version, descr, dtype, fortranOrder: fortran, shape, dataOffset: headerStart + raw.length, count };
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function describe(value: PyValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return `a sequence of ${value.length}`;
  if (typeof value === 'bigint') return `the integer ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(clip(value))}`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return `the number ${value}`;
}

// ---------------------------------------------------------------------------------------------------------
// A tiny parser for the subset of Python literals an NPY header uses: dict, tuple, list, str, int, float,
// True/False/None. Integers are BigInt so a 20-digit dimension is reported as absurd, not silently rounded.

/** A Python literal value: dict → Map, tuple/list → array, int → bigint, float → number. */
export type PyValue = Map<string, PyValue> | PyValue[] | string | bigint | number | boolean | null;

class LiteralError extends Error {}

/** Parse a Python literal (the NPY header dict). Throws on anything malformed; the whole text must be consumed. */
export function parsePythonLiteral(text: string): PyValue {
  const p = new LiteralParser(text);
  p.skipSpace();
  const value = p.value(0);
  p.skipSpace();
  if (!p.atEnd()) throw new LiteralError(`unexpected ${p.peekDescription()} after the literal at position ${p.pos}`);
  return value;
}

class LiteralParser {
  pos = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  peekDescription(): string {
    return this.atEnd() ? 'end of header' : JSON.stringify(this.s[this.pos]);
  }

  skipSpace(): void {
    while (this.pos < this.s.length && ' \t\n\r\f\v'.includes(this.s[this.pos])) this.pos++;
  }

  value(depth: number): PyValue {
    if (depth > 32) throw new LiteralError('nesting too deep');
    this.skipSpace();
    if (this.atEnd()) throw new LiteralError('unexpected end of header');
    const c = this.s[this.pos];
    if (c === '{') return this.dict(depth);
    if (c === '(') return this.sequence(depth, ')', true);
    if (c === '[') return this.sequence(depth, ']', false);
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.number();
    if (/[A-Za-z_]/.test(c)) {
      const start = this.pos;
      while (this.pos < this.s.length && /[A-Za-z0-9_]/.test(this.s[this.pos])) this.pos++;
      const word = this.s.slice(start, this.pos);
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      throw new LiteralError(`unexpected name '${word}' at position ${start}`);
    }
    throw new LiteralError(`unexpected ${this.peekDescription()} at position ${this.pos}`);
  }

  expect(ch: string): void {
    this.skipSpace();
    if (this.s[this.pos] !== ch) throw new LiteralError(`expected '${ch}' at position ${this.pos}, found ${this.peekDescription()}`);
    this.pos++;
  }

  dict(depth: number): Map<string, PyValue> {
    this.pos++; // '{'
    const out = new Map<string, PyValue>();
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] === '}') { this.pos++; return out; }
      const keyPos = this.pos;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new LiteralError(`dict key at position ${keyPos} is not a string`);
      if (out.has(key)) throw new LiteralError(`duplicate key '${key}'`);
      this.expect(':');
      out.set(key, this.value(depth + 1));
      this.skipSpace();
      if (this.s[this.pos] === ',') { this.pos++; continue; }
      if (this.s[this.pos] === '}') { this.pos++; return out; }
      throw new LiteralError(`expected ',' or '}' at position ${this.pos}, found ${this.peekDescription()}`);
    }
  }

  sequence(depth: number, close: string, tuple: boolean): PyValue[] {
    this.pos++; // '(' or '['
    const out: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] === close) {
        this.pos++;
        // '(3)' is a parenthesised int, not a tuple: Python needs the trailing comma for a 1-tuple.
        if (tuple && out.length === 1 && !sawComma) return out[0] as PyValue[];
        return out;
      }
      out.push(this.value(depth + 1));
      this.skipSpace();
      if (this.s[this.pos] === ',') { this.pos++; sawComma = true; continue; }
      if (this.s[this.pos] === close) continue;
      throw new LiteralError(`expected ',' or '${close}' at position ${this.pos}, found ${this.peekDescription()}`);
    }
  }

  string(): string {
    const quote = this.s[this.pos];
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++];
      if (c === quote) return out;
      if (c === '\n') break;
      if (c === '\\') {
        if (this.pos >= this.s.length) break;
        const e = this.s[this.pos++];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (e in simple) out += simple[e];
        else if (e === 'x' || e === 'u') {
          const n = e === 'x' ? 2 : 4;
          const hex = this.s.slice(this.pos, this.pos + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new LiteralError(`bad \\${e} escape at position ${this.pos - 2}`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += n;
        } else out += `\\${e}`;
        continue;
      }
      out += c;
    }
    throw new LiteralError(`unterminated string starting at position ${start}`);
  }

  number(): bigint | number {
    const start = this.pos;
    const m = /^[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)L?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m || m[0] === '' || m[0] === '+' || m[0] === '-') throw new LiteralError(`bad number at position ${start}`);
    this.pos += m[0].length;
    // Python 2 wrote long dimensions as '3L'; numpy still reads those files.
    const literal = m[0].endsWith('L') ? m[0].slice(0, -1) : m[0];
    if (/^[+-]?\d+$/.test(literal)) return BigInt(literal);
    if (m[0].endsWith('L')) throw new LiteralError(`bad number at position ${start}`);
    return Number(literal);
  }
}
