// Runs inside the REAL VS Code extension host (code-server, smoke-test-driver payload): mocha over the bundled
// host tests; the counts go to the file named by SEISGROW_HOST_RESULTS so run.mjs can report them.
import Mocha from 'mocha';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The entry VS Code calls (extensionTestsPath); resolves on success, rejects when any test failed. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  // Install describe/it on the global object, then load the bundled tests (they register suites when required).
  mocha.suite.emit('pre-require', globalThis, 'host-tests', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(__dirname, 'tests.js'));
  const results = { passed: 0, failed: 0, failures: [] as { title: string; error: string }[], passes: [] as string[] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.SEISGROW_HOST_RESULTS;
      if (file) writeFileSync(file, JSON.stringify(results, null, 2));
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`)); else resolve();
    });
    runner.on('pass', (t) => { results.passed++; results.passes.push(t.fullTitle()); });
    runner.on('fail', (t, err: Error) => { results.failed++; results.failures.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }); });
  });
}
