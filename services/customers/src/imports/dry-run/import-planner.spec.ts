import { SeenKeys } from './import-planner';

describe('SeenKeys', () => {
  it('answers each key’s first row, through the table’s growth, and nothing for a new key', () => {
    const seen = new SeenKeys();
    const keys = 200_000; // well past the first table's 65,536 slots: it grows twice or more
    // Checked in the loops, asserted once: 200,000 expect calls alone took 20 s.
    const wrong: string[] = [];
    for (let i = 0; i < keys; i++) {
      const first = seen.firstOf(`e:${i}@example.test`, i + 2);
      if (first !== undefined) wrong.push(`new key ${i} answered ${first}`);
    }
    for (let i = 0; i < keys; i += 997) {
      const first = seen.firstOf(`e:${i}@example.test`, 999_999);
      if (first !== i + 2) wrong.push(`key ${i} answered ${String(first)}, not ${i + 2}`);
    }
    expect(wrong).toEqual([]);
    expect(seen.firstOf('p:+358401234567', 5)).toBe(undefined);
    expect(seen.firstOf('p:+358401234567', 6)).toBe(5);
  });
});
