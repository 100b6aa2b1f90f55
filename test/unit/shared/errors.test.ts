import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, SeisGrowError } from '../../../src/shared/errors';

const isErrorCode = (code: string): boolean => Object.hasOwn(ERROR_CODES, code);

const root = join(__dirname, '../../..');

/** Every .ts file below a folder of the project. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(root, dir, f));
}

describe('error codes', () => {
  const codes = Object.keys(ERROR_CODES);

  it('are a fixed list of distinct kebab-case codes, each with its own one-line meaning', () => {
    assert.equal(new Set(codes).size, codes.length);
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[a-z]+(-[a-z]+)*$/, code);
      assert.ok(meaning.length > 10 && !meaning.includes('\n'), code);
    }
    const meanings = Object.values(ERROR_CODES);
    assert.equal(new Set(meanings).size, meanings.length, 'two codes share one meaning: merge them');
  });

  it('every code written in src, webview, bench or experiments is in the list', () => {
    const used = new Map<string, string>();
    const patterns = [/new SeisGrowError\(\s*'([^']+)'/g, /\bcode: '([^']+)'/g, /\.code (?:===|!==) '([^']+)'/g];
    for (const file of ['src', 'webview', 'bench', 'experiments'].flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      for (const re of patterns) for (const m of text.matchAll(re)) if (!/^[A-Z_]+$|^(string|number)$/.test(m[1])) used.set(m[1], file);
    }
    assert.ok(used.size > 20, `found only ${used.size} codes: the scan is broken`);
    for (const [code, file] of used) assert.ok(isErrorCode(code), `${file} uses the unknown error code '${code}'`);
  });

  it('SeisGrowError carries its code and file and names the file in its message', () => {
    const e = new SeisGrowError('truncated', 'ends early', '/data/x.npy');
    assert.equal(e.code, 'truncated');
    assert.equal(e.file, '/data/x.npy');
    assert.equal(e.message, '/data/x.npy: ends early');
    assert.equal(isErrorCode('io-error'), false);
    assert.equal(isErrorCode('toString'), false);
  });
});
