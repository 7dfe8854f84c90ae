/** The constraint a Postgres unique violation (23505) names, or null for any other error. */
export function violatedUniqueConstraint(error: unknown): string | null {
  const e = error as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  const driver = e.driverError ?? e;
  return driver.code === '23505' ? (driver.constraint ?? '') : null;
}
