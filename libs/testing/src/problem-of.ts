/** What a test reads of a problem a service threw. */
export interface ThrownProblem {
  status: number;
  type: string;
  detail?: string;
  errors?: { field: string; reason: string }[];
}

/** Runs an action expected to fail with a problem; returns the problem document. */
export async function problemOf(action: Promise<unknown>): Promise<ThrownProblem> {
  try {
    await action;
  } catch (error) {
    return ((error as { problem?: unknown }).problem ?? error) as ThrownProblem;
  }
  throw new Error('expected a problem, but the action succeeded');
}
