#!/usr/bin/env node
// Applies every service's pending migrations to the database named by the PG* variables
// (default: kanta on 127.0.0.1). Services also migrate when they start; this is for deployments
// that migrate as a step of their own. `npm run migrate` builds first.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { migrateAll } = require('../dist/libs/local/src');

migrateAll(undefined, (line) => console.log(line)).catch((error) => {
  console.error(`Migration failed: ${error.message}`);
  process.exit(1);
});
