// Locate ../shared/data; tests that need it skip ONLY when the folder is absent, and say so loudly.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Absolute path of the shared real-data folder (../shared/data from the repository root). */
export const sharedDataDir = resolve(__dirname, '../../../shared/data');

/** True when the shared real-data folder exists. */
export const hasSharedData = existsSync(sharedDataDir);

/** Path of a file under ../shared/data. */
export function sharedData(...parts: string[]): string {
  return join(sharedDataDir, ...parts);
}

/** `describe` for suites that need ../shared/data: skipped with a printed notice when the folder is absent. */
export function describeWithSharedData(title: string, body: (this: Mocha.Suite) => void): void {
  if (hasSharedData) {
    describe(title, body);
  } else {
    console.log(`SKIPPED (../shared/data is absent: ${sharedDataDir}): ${title}`);
    // The body is not evaluated: it may read the absent folder while collecting its tests.
    describe(title, () => {
      before(function () { this.skip(); });
      it(`needs ${sharedDataDir}`, () => undefined);
    });
  }
}
