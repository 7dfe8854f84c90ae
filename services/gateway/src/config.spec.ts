import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGatewayConfig } from './config';

const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'x'.repeat(40),
  GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: 'root@example.test',
};

describe('the gateway in production', () => {
  it('refuses to start without a superadmin password of its own, saying which and why', () => {
    expect(() => readGatewayConfig(production)).toThrow(
      /GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD is required when NODE_ENV is production/,
    );
    expect(() =>
      readGatewayConfig({ ...production, GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: 'demo-password' }),
    ).toThrow(/published demo password/);
    expect(() =>
      readGatewayConfig({ ...production, GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: 'short-one' }),
    ).toThrow(/at least 12 characters/);
  });

  it('starts with one', () => {
    const config = readGatewayConfig({
      ...production,
      GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: 'a-long-production-secret',
    });
    expect(config.bootstrapSuperadmin).toEqual({
      email: 'root@example.test',
      password: 'a-long-production-secret',
    });
  });

  it('keeps development as it was: no superadmin password needed', () => {
    expect(readGatewayConfig({}).bootstrapSuperadmin).toBeNull();
  });
});

describe('docker-compose.yml', () => {
  const compose = readFileSync(join(__dirname, '..', '..', '..', 'docker-compose.yml'), 'utf8');

  it('has no default superadmin or Redis password', () => {
    expect(compose).toMatch(/GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: \$\{SUPERADMIN_PASSWORD:\?/);
    expect(compose).not.toMatch(/demo-password/);
    expect(compose).toMatch(/--requirepass "\$\$REDIS_PASSWORD"/);
    expect(compose).toMatch(/REDIS_URL: redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379/);
  });

  it('publishes the database, broker and Redis ports on the loopback interface only', () => {
    const published = [...compose.matchAll(/ports: \[([^\]]*)\]/g)].flatMap((match) =>
      match[1].split(',').map((port) => port.trim().replace(/'/g, '')),
    );
    expect(published).toEqual([
      '127.0.0.1:5432:5432',
      '127.0.0.1:5672:5672',
      '127.0.0.1:15672:15672',
      '127.0.0.1:6379:6379',
      // The API itself, for clients.
      '3000:3000',
    ]);
  });
});

describe('the access audit settings', () => {
  it('publishes access records directly unless told to go through the outbox, and names a bad value', () => {
    expect(readGatewayConfig({}).accessAudit.publish).toBe('direct');
    expect(readGatewayConfig({ AUDIT_PUBLISH: 'outbox' }).accessAudit.publish).toBe('outbox');
    expect(() => readGatewayConfig({ AUDIT_PUBLISH: 'rabbit' })).toThrow(/AUDIT_PUBLISH/);
  });
});
