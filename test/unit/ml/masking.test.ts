import * as assert from 'node:assert/strict';
import { blockMask } from '../../../src/ml/data/masking';
import { Rng } from '../../../src/ml/random';

describe('masked-reconstruction pretext: block masks', () => {
  it('hides square blocks of a shifted grid, about the asked share, deterministically for a seed', () => {
    const n = 64, h = 32, w = 48, block = 8;
    const m = blockMask(n, h, w, block, 0.5, new Rng(3));
    assert.deepEqual(m, blockMask(n, h, w, block, 0.5, new Rng(3)));
    assert.notDeepEqual(m, blockMask(n, h, w, block, 0.5, new Rng(4)));
    const share = m.reduce((a, v) => a + v, 0) / m.length;
    assert.ok(share > 0.4 && share < 0.6, `hidden share ${share}`);
    for (let k = 0; k < n; k++) {
      const at = (y: number, x: number): number => m[k * h * w + y * w + x];
      // Where the value changes along a row or a column, it changes on one grid line for the whole patch.
      const colEdges = new Set<number>();
      const rowEdges = new Set<number>();
      for (let y = 0; y < h; y++) for (let x = 1; x < w; x++) if (at(y, x) !== at(y, x - 1)) colEdges.add(x);
      for (let x = 0; x < w; x++) for (let y = 1; y < h; y++) if (at(y, x) !== at(y - 1, x)) rowEdges.add(y);
      const spaced = (edges: Set<number>): boolean => [...edges].every((e) => [...edges].every((f) => (e - f) % block === 0));
      assert.ok(spaced(colEdges) && spaced(rowEdges), 'block edges lie on one grid');
    }
  });

  it('always hides something and leaves something visible, whatever the ratio, and with a block larger than the patch', () => {
    for (const ratio of [0.05, 0.95]) {
      const m = blockMask(200, 8, 8, 4, ratio, new Rng(1));
      for (let k = 0; k < 200; k++) {
        const hidden = m.subarray(k * 64, (k + 1) * 64).reduce((a, v) => a + v, 0);
        assert.ok(hidden > 0 && hidden < 64, `patch ${k}: ${hidden} of 64 hidden at ratio ${ratio}`);
      }
    }
    const whole = blockMask(10, 4, 6, 100, 0.5, new Rng(2));
    for (let k = 0; k < 10; k++) {
      const hidden = whole.subarray(k * 24, (k + 1) * 24).reduce((a, v) => a + v, 0);
      assert.ok(hidden > 0 && hidden < 24);
    }
  });
});
