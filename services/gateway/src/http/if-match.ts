import { ProblemError } from '@kanta/platform';

/** `"7"` (or weak `W/"7"`) to 7; anything else is not a version this API gave out. */
export function versionFromIfMatch(ifMatch: string | undefined): number {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw ProblemError.of(
      428,
      'precondition-required',
      'Precondition required',
      'Send If-Match with the ETag of the record you read, so that no one else’s edit is lost.',
    );
  }
  const match = /^(?:W\/)?"(\d{1,10})"$/.exec(ifMatch.trim());
  if (!match || Number(match[1]) > 2_147_483_647) {
    throw ProblemError.badRequest('If-Match must be an ETag this API gave out, such as "3".', [
      { field: 'If-Match', reason: 'invalid_format', message: 'If-Match must look like "3"' },
    ]);
  }
  return Number(match[1]);
}
