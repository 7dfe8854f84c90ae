import { Headers } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ProblemError } from '@kanta/platform';
import { ApiProblems, DocumentedParameter } from './api-problems';

/** A version as this API gives it out in ETag, strong or weak: `"7"` or `W/"7"`. */
const VERSION_ETAG = /^(?:W\/)?"(\d{1,10})"$/;
const MAX_VERSION = 2_147_483_647;

/**
 * `"7"` (or weak `W/"7"`) to 7; anything else is not a version this API gave out. A version below
 * `first` (the first one records of this kind get) names no state the record was ever in: it is
 * stale like any other old version, a 412.
 */
export function versionFromIfMatch(ifMatch: string | undefined, first = 1): number {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw ProblemError.of(
      428,
      'precondition-required',
      'Precondition required',
      'Send If-Match with the ETag of the record you read, so that no one else’s edit is lost.',
    );
  }
  const match = VERSION_ETAG.exec(ifMatch.trim());
  if (!match || Number(match[1]) > MAX_VERSION) {
    throw ProblemError.badRequest('If-Match must be an ETag this API gave out, such as "3".', [
      { field: 'If-Match', reason: 'invalid_format', message: 'If-Match must look like "3"' },
    ]);
  }
  const version = Number(match[1]);
  if (version < first) {
    throw ProblemError.of(
      412,
      'precondition-failed',
      'The resource has changed',
      `No record is ever at version ${version}; read it again.`,
    );
  }
  return version;
}

/**
 * The If-Match header of an edit, as a handler parameter: documented once, with its form and the
 * answers it brings (400 malformed, 412 stale, and 428 missing when it is required).
 */
export function IfMatch(required: boolean): ParameterDecorator {
  return DocumentedParameter(
    Headers('If-Match'),
    ApiHeader({
      name: 'If-Match',
      required,
      description: required
        ? 'The ETag of the record you read, e.g. "3"'
        : 'The ETag of the record you read, e.g. "3"; when sent, a changed record is a 412',
      schema: { type: 'string', pattern: VERSION_ETAG.source, example: '"3"' },
    }),
    ApiProblems(400, 412, ...(required ? ([428] as const) : [])),
  );
}
