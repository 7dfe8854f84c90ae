import { SeenKeys } from './import-planner';

describe('SeenKeys', () => {
  it('answers each key’s first row, through the table’s growth, and nothing for a new key', () => {
    const seen = new SeenKeys();
    const keys = 200_000; // well past the first table's 65,536 slots: it grows twice or more
    for (let i = 0; i < keys; i++)
      expect(seen.firstOf(`e:${i}@example.test`, i + 2)).toBe(undefined);
    for (let i = 0; i < keys; i += 997) {
      expect(seen.firstOf(`e:${i}@example.test`, 999_999)).toBe(i + 2);
    }
    expect(seen.firstOf('p:+358401234567', 5)).toBe(undefined);
    expect(seen.firstOf('p:+358401234567', 6)).toBe(5);
  });
});
