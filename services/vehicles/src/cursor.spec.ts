import { RpcProblem, encodeKeysetCursor } from '@kanta/platform';
import { decodeTimeCursor, millisecondTime } from './cursor';

describe('list times and their cursors', () => {
  it('stores a time to the millisecond in UTC, whatever fraction and offset it came with', () => {
    expect(millisecondTime('2026-07-01T09:00:00.1234567Z')).toBe('2026-07-01T09:00:00.123Z');
    expect(millisecondTime('2026-07-01T12:00:00+03:00')).toBe('2026-07-01T09:00:00.000Z');
    expect(millisecondTime('2026-07-01T09:00:00.9999Z')).toBe('2026-07-01T09:00:00.999Z');
  });

  it('takes back the cursors it issues and refuses a time in any other form', () => {
    const id = '0190a0b0-0000-7000-8000-000000000001';
    expect(decodeTimeCursor(encodeKeysetCursor(['2026-07-01T09:00:00.123Z', id]))).toEqual({
      at: '2026-07-01T09:00:00.123Z',
      id,
    });
    expect(decodeTimeCursor(undefined)).toBeNull();
    for (const at of ['1', '2026-07-01', '2026-07-01T09:00:00Z', '2026-07-01T09:00:00.123+00:00']) {
      expect(() => decodeTimeCursor(encodeKeysetCursor([at, id]))).toThrow(RpcProblem);
    }
    expect(() => decodeTimeCursor(encodeKeysetCursor(['2026-07-01T09:00:00.123Z', 'x']))).toThrow(
      RpcProblem,
    );
  });
});
