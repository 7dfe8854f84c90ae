import { containsPattern, decodeCursor, encodeCursor, tokeniseSearch } from './search-query';

describe('tokeniseSearch', () => {
  it.each([
    ['040 123 4567', ['0401234567']],
    ['+358 40 1234567', ['358401234567']],
    ['0401234567', ['0401234567']],
    ['(040) 123-4567', ['0401234567']],
    ['00358 40 1234567', ['358401234567']],
    ['+358 (0)40 123 4567', ['358401234567']],
    ['+48 (0) 512 345 678', ['48512345678']],
  ])('collapses the phone typed as %p into one digit word', (q, words) => {
    expect(tokeniseSearch(q)).toEqual(words);
  });

  it('keeps name words apart from the phone beside them, lower-cased', () => {
    expect(tokeniseSearch('  Mäkinen 040 123 4567 Matti ')).toEqual([
      'mäkinen',
      '0401234567',
      'matti',
    ]);
  });

  it('keeps customer numbers and external ids that contain letters as typed', () => {
    expect(tokeniseSearch('AK-77 DMS-000123')).toEqual(['ak-77', 'dms-000123']);
  });

  it('keeps a short number that starts with 00 as it is (a customer number, not a phone)', () => {
    expect(tokeniseSearch('0012')).toEqual(['0012']);
  });

  it('returns no words for an empty or blank query, and each word once', () => {
    expect(tokeniseSearch(undefined)).toEqual([]);
    expect(tokeniseSearch('   ')).toEqual([]);
    expect(tokeniseSearch('anna ANNA')).toEqual(['anna']);
  });
});

describe('containsPattern', () => {
  it('escapes the characters LIKE gives a meaning to', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});

describe('cursor', () => {
  it('round-trips and refuses anything it did not issue with a 422 on cursor', () => {
    const cursor = { id: '0b9f7c1e-5d7f-4b4e-9d0e-1f2a3b4c5d6e' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of ['%%%', Buffer.from('["not-a-uuid"]').toString('base64url'), 'e30']) {
      expect(() => decodeCursor(bad)).toThrow(
        expect.objectContaining({
          problem: expect.objectContaining({
            status: 422,
            errors: [expect.objectContaining({ field: 'cursor' })],
          }),
        }),
      );
    }
  });
});
