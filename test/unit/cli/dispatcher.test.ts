import * as assert from 'node:assert/strict';
import { main } from '../../../src/cli';

describe('cli dispatcher', () => {
  it('answers an unknown command with exit code 2 and the usage', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      assert.equal(await main(['no-such-verb']), 2);
    } finally {
      console.error = original;
    }
    assert.match(errors.join('\n'), /unknown command "no-such-verb"/);
  });
});
