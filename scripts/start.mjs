#!/usr/bin/env node
// `npm start`: checks the infrastructure, applies migrations, starts every service, seeds the
// demo tenants on an empty database and prints where everything is. Ctrl-C stops it all.
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const local = require('../dist/libs/local/src');

const started = Date.now();
const env = {
  GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL:
    process.env.GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL ?? local.SUPERADMIN_EMAIL,
  GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD:
    process.env.GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD ?? local.DEMO_PASSWORD,
};

function reachable(name, url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({
      host: hostname || '127.0.0.1',
      port: Number(port || fallbackPort),
    });
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`${name} at ${hostname}:${port || fallbackPort} does not answer`);
    });
    socket.once('error', (e) =>
      resolve(`${name} at ${hostname}:${port || fallbackPort}: ${e.message}`),
    );
  });
}

const problems = (
  await Promise.all([
    reachable(
      'PostgreSQL',
      `postgres://${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? 5432}`,
      5432,
    ),
    reachable('RabbitMQ', process.env.AMQP_URL ?? 'amqp://127.0.0.1:5672', 5672),
    reachable('Redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 6379),
  ])
).filter(Boolean);
if (problems.length > 0) {
  console.error(`Kanta needs PostgreSQL, RabbitMQ and Redis:\n  ${problems.join('\n  ')}`);
  console.error(
    'Start them with `bash deploy/local/infra-up.sh` or `docker compose up -d postgres rabbitmq redis`.',
  );
  process.exit(1);
}

const pad = Math.max(...local.LOCAL_SERVICES.map((s) => s.name.length));
function printLine(service, line) {
  let text = line;
  try {
    const entry = JSON.parse(line);
    const level =
      { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[entry.level] ??
      entry.level;
    text = `${level} ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`;
  } catch {
    // not JSON: print as it is
  }
  console.log(`[${service.padEnd(pad)}] ${text}`);
}

try {
  await local.migrateAll(undefined, (line) => console.log(`[migrate] ${line}`));
  const system = await local.startLocalSystem({ env, onLine: printLine });
  const stop = async () => {
    console.log('Stopping…');
    await system.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const api = new local.KantaApi(system.gatewayUrl);
  const superadmin = await api.login(
    env.GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL,
    env.GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD,
  );
  const seeded = await local.seedDemo(superadmin, (line) => console.log(`[seed] ${line}`));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const base = system.gatewayUrl.replace('127.0.0.1', 'localhost');
  console.log(`
Kanta is running (${seconds} s${seeded ? ', demo data seeded' : ''}).
  API      ${base}/api/v1
  Docs     ${base}/api/docs
  Health   ${base}/health
  Logins   (password: ${local.DEMO_PASSWORD})
    ${env.GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL}   superadmin
    admin@demo.test   admin, tenant demo (fi, FI)
    worker@demo.test  worker, tenant demo, first station
    admin@demo-pl.test admin, tenant demo-pl (pl, PL)
Ctrl-C stops every service.`);
} catch (error) {
  console.error(`Kanta did not start: ${error.message}`);
  process.exit(1);
}
