export * from './test-database';

/**
 * Retries an assertion until it passes or the time is up, then throws its last failure: for
 * effects that arrive through events.
 */
export async function eventually<T>(
  check: () => Promise<T>,
  { timeoutMs = 5000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
export * from './redis-keys';
