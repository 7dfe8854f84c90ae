#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ (compiled to dist/bench) one after another.
// Pass names to run only some: `npm run bench -- customers-search`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'dist', 'bench');
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.js') && f !== 'support.js')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.js$/, '')));
let failed = 0;
for (const file of benches) {
  const result = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
