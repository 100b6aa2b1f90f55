// `--views` of `predict` and `train` on a volume: a bad value, or the flag where no whole volume is predicted, is a
// usage error (one stderr line, exit 1) before any file is read or written. The end-to-end run is in test/integration.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli';
import { encodeNpy } from '../../../src/io/npy';

/** Run the CLI in-process; returns the exit code and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    return { code: await main(argv), err: err.join('\n') };
  } finally {
    console.error = error;
  }
}

describe('cli --views (predict and train on a volume)', () => {
  let dir: string;
  let sections: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-views-'));
    sections = path.join(dir, 'sections.npy');
    fs.writeFileSync(sections, encodeNpy(new Float32Array(6), [2, 3], '<f4'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function usage(args: string[], message: RegExp): Promise<void> {
    const r = await cli(...args);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.match(r.err, message);
    assert.match(r.err, /see "seisgrow (predict|train) --help"/);
  }

  it('refuses a value that is not a view, naming the choices', async () => {
    const out = path.join(dir, 'p.npy');
    await usage(['predict', '--run', dir, '--seismic', sections, '--volume', '--out', out, '--views', 'timeslice'], /--views must be one of inline, inline\+crossline, got "timeslice"/);
    await usage(['train', '--seismic', sections, '--labels', sections, '--out', path.join(dir, 'run'), '--views', 'crossline'], /--views must be one of inline, inline\+crossline, got "crossline"/);
    assert.equal(fs.existsSync(out), false);
  });

  it('refuses --views where no whole volume is predicted', async () => {
    await usage(['predict', '--run', dir, '--seismic', sections, '--out', path.join(dir, 'p.npy'), '--views', 'inline+crossline'], /--views is for a volume/);
    await usage(['train', '--seismic', sections, '--labels', sections, '--out', path.join(dir, 'run'), '--views', 'inline'], /--views applies to a volume/);
    await usage(['train', '--volume', '--seismic', sections, '--labels', sections, '--out', path.join(dir, 'run'), '--views', 'inline+crossline', '--no-volume-prediction'],
      /--views .* cannot go with --no-volume-prediction/);
  });
});
