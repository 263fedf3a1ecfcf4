/**
 * Prints the plain closing line CI reads (`Tests: N passed, N failed`) as the very last
 * line of a jest run. jest's own summary is not a line CI recognises.
 */
export default class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
    process.on('exit', () => process.stdout.write(`\n${line}\n`));
  }
}
