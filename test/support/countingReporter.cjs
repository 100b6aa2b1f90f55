// Mocha's spec output plus the plain "stage: N passed, N failed" line that CI reads.
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0, failed = 0, skipped = 0;
    runner.on(EVENT_TEST_PASS, () => passed++);
    runner.on(EVENT_TEST_FAIL, () => failed++);
    runner.on(EVENT_TEST_PENDING, () => skipped++);
    runner.once(EVENT_RUN_END, () => {
      const stage = process.env.SEISGROW_TEST_STAGE || 'tests';
      const tail = skipped ? `, ${skipped} skipped` : '';
      // Printed after the spec epilogue so it is the stage's last line.
      setImmediate(() => console.log(`${stage}: ${passed} passed, ${failed} failed${tail}`));
    });
  }
}
module.exports = CountingReporter;
