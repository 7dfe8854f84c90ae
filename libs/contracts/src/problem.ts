/** RFC 9457 problem details, with field-level errors for validation failures. */
export interface FieldError {
  /** JSON-pointer-like path of the field: `email`, `addresses.0.postalCode`. */
  field: string;
  /** Machine-readable reason: `required`, `invalid_format`, `too_long`, `taken`, … */
  reason: string;
  /** A sentence a person can read. */
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://kanta.dev/problems/';

export const problemType = (slug: string): string => `${PROBLEM_TYPE_BASE}${slug}`;
