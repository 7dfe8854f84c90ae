import { ProblemError } from '@kanta/platform';
import { versionFromIfMatch } from './if-match';

const statusOf = (ifMatch: string | undefined): number => {
  try {
    versionFromIfMatch(ifMatch);
    return 0;
  } catch (error) {
    return (error as ProblemError).status;
  }
};

describe('If-Match on customer edits', () => {
  it('reads the version from a strong or weak ETag', () => {
    expect(versionFromIfMatch('"3"')).toBe(3);
    expect(versionFromIfMatch(' W/"12" ')).toBe(12);
  });

  it('is required: a missing or empty header is 428', () => {
    expect(statusOf(undefined)).toBe(428);
    expect(statusOf('  ')).toBe(428);
  });

  it('answers a version no record is ever at (below the first) with 412, naming no field', () => {
    expect(statusOf('"0"')).toBe(412);
    expect(() => versionFromIfMatch('W/"0"')).toThrow(
      expect.objectContaining({
        problem: expect.not.objectContaining({ errors: expect.anything() }),
      }),
    );
    // Where records start at version 0 (communication preferences never set), "0" is a version.
    expect(versionFromIfMatch('"0"', 0)).toBe(0);
  });

  it('refuses anything but a quoted version with 400', () => {
    for (const bad of ['3', '"three"', '*', '"3", "4"', '"-1"', '"99999999999"', '"2147483648"']) {
      expect(statusOf(bad)).toBe(400);
    }
  });
});
