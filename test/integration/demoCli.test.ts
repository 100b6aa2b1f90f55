import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../../src/io/npy';
import { buildCli, tempDir } from '../support/trainerFixtures';

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [buildCli(), ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI demo (built dist/cli.js, embedded F3 crop)', function () {
  this.timeout(900_000);

  it('--quick runs all three stages on the embedded sample and prints both IoU tables against the truth', async () => {
    const out = path.join(tempDir('seisgrow-demo-'), 'run');
    const r = cli(['demo', '--quick', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /F3 inline 130 crop 462×384, 10 units, 8 labelled traces \(2\.08 % of pixels\)/);
    for (const stage of ['stage 1 (supervised)', 'stage 2 (cross pseudo supervision)', 'stage 3 (seeded region growing)']) assert.ok(r.stdout.includes(stage), stage);
    assert.match(r.stdout, /Final prediction against the full truth \(177408 pixels\)/);
    assert.match(r.stdout, /Grown labels against the truth/);
    assert.equal((r.stdout.match(/mean IoU \(10 classes present\)\s+0\.\d{4}/g) ?? []).length, 2, 'both tables have a mean IoU');
    const prediction = await readNpy(path.join(out, 'prediction.npy'));
    assert.deepEqual(prediction.shape, [462, 384]);
    const grown = await readNpy(path.join(out, 'grown_labels.npy'));
    // The seeds are kept: every labelled trace of the 8 is in the grown labels.
    const labelled = Array.from(grown.data as Uint8Array).filter((v) => v !== 255).length;
    assert.ok(labelled >= 8 * 462, `${labelled} labelled pixels`);
    assert.ok(fs.existsSync(path.join(out, 'metrics.json')));
  });

  it('rejects a bad --traces or a samples folder without the pair with one line and exit 1', () => {
    const bad = cli(['demo', '--traces', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--traces must be 1\.\.384, got 0/);
    const empty = tempDir('seisgrow-demo-empty-');
    const missing = cli(['demo', '--samples', empty]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /f3_inline130_crop_seismic\.npy/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
  });
});
