#!/usr/bin/env node
// Runs the whole suite and ends with the line `N passed, N failed`, which jest does not print.
// The unit, integration and e2e projects run in parallel; the outage project runs afterwards on
// its own because it stops and starts the real RabbitMQ. Extra arguments go to both jest runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const extra = process.argv.slice(2);
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const runs = [
  { name: 'main', args: ['--selectProjects', 'unit', 'integration', 'e2e'] },
  { name: 'outage', args: ['--selectProjects', 'outage', '--runInBand'] },
];
let passed = 0;
let failed = 0;
for (const run of runs) {
  const file = join(out, `${run.name}.json`);
  const result = spawnSync(
    process.execPath,
    [jest, ...run.args, '--json', '--outputFile', file, ...extra],
    { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  if (!existsSync(file)) {
    console.error(`jest (${run.name}) wrote no results (exit ${result.status})`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  // A suite that failed to run (syntax error, failing beforeAll) counts as a failure too.
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  if (result.status !== 0 && report.numFailedTests + report.numRuntimeErrorTestSuites === 0) {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
