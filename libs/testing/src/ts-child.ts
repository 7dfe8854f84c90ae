import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** A process a test started from one of the repository's TypeScript files, to kill for real. */
export interface TestChild {
  process: ChildProcess;
  /** Resolves when the child prints this line; rejects if it exits first or in time. */
  line(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL, as `kill -9` does: no handler, no shutdown hook, nothing flushed. */
  kill9(): Promise<void>;
}

/**
 * Runs a TypeScript file in a child process compiled as jest compiles it (swc with .swcrc, so the
 * `@kanta/*` paths resolve), with `reflect-metadata` loaded. `env` is added to the test's own.
 * What the child prints on stderr is passed on, so its failures show in the test's output.
 */
export function spawnTsChild(script: string, env: Record<string, string> = {}): TestChild {
  const bootstrap = `
    const { addHook } = require('pirates');
    const { transformSync } = require('@swc/core');
    addHook((code, filename) => transformSync(code, { filename, swcrc: true }).code, { exts: ['.ts'] });
    require('reflect-metadata');
    require(${JSON.stringify(script)});`;
  const child = spawn(process.execPath, ['-e', bootstrap], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const printed: string[] = [];
  const waiting = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    printed.push(text);
    for (const check of waiting) check();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    line(text, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`child did not print "${text}" in ${timeoutMs} ms`)),
          timeoutMs,
        );
        const done = (error?: Error): void => {
          clearTimeout(timer);
          waiting.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (printed.includes(text)) done();
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(
              new Error(`child exited (${child.exitCode ?? child.signalCode}) before "${text}"`),
            );
          }
        };
        waiting.add(check);
        void exited.then(check);
        check();
      });
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
