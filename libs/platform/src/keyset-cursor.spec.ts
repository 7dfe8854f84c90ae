import { randomUUID } from 'node:crypto';
import { encodeKeysetCursor, idBeforeCursor, pageById } from './keyset-cursor';

describe('pages of a list by id', () => {
  const rows = ['c', 'b', 'a'].map((id) => ({ id }));

  it('shows `limit` rows and a cursor after the last when one more was read', () => {
    const page = pageById(rows, 2);
    expect(page.items.map((row) => row.id)).toEqual(['c', 'b']);
    expect(page.nextCursor).toBe(encodeKeysetCursor(['b']));
    expect(pageById(rows, 3)).toEqual({ items: rows, nextCursor: null });
  });

  it('reads the id a cursor continues below, and refuses one that names no single id (422 cursor)', () => {
    const id = randomUUID();
    expect(idBeforeCursor(undefined)).toBeNull();
    expect(idBeforeCursor(encodeKeysetCursor([id]))).toBe(id);
    for (const bad of ['nope', encodeKeysetCursor(['x']), encodeKeysetCursor([id, id])]) {
      expect(() => idBeforeCursor(bad)).toThrow(
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
