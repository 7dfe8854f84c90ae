import { uuidv5, uuidv7 } from './ids';

describe('uuidv7', () => {
  it('is a version 7, RFC 9562 variant UUID', () => {
    expect(uuidv7()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('sorts in the order the ids were made, even many within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every id random bits of its own, across many refills of the random pool', () => {
    // The 62 random bits after the variant: drawn from a pool refilled every 512 ids.
    const tails = Array.from({ length: 5000 }, () => uuidv7().replace(/-/g, '').slice(17));
    expect(new Set(tails).size).toBe(tails.length);
  });

  it('puts the given time in the first 48 bits', () => {
    const id = uuidv7(0x0123456789ab);
    expect(id.replace(/-/g, '').slice(0, 12)).toBe('0123456789ab');
  });
});

describe('uuidv5', () => {
  it('gives the RFC 9562 example its id, and one name always the same id', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    expect(uuidv5(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(uuidv5(dns, 'a')).toBe(uuidv5(dns, 'a'));
    expect(uuidv5(dns, 'a')).not.toBe(uuidv5(dns, 'b'));
  });
});
