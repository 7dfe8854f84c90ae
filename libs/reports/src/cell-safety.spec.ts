import { cellText, neutraliseFormula } from './cell-safety';

describe('cellText (formula injection)', () => {
  it.each([
    ['=', '=HYPERLINK("http://evil.test","Click")'],
    ['+', '+1+cmd|" /C calc"!A0'],
    ['-', '-2+3+cmd|" /C calc"!A0'],
    ['@', '@SUM(1+9)*cmd|" /C calc"!A0'],
    ['a tab', '\t=1+1'],
    ['a carriage return', '\r=1+1'],
  ])('prefixes free text that begins with %s with a single quote', (_trigger, value) => {
    expect(cellText('text', value)).toBe(`'${value}`);
  });

  it('leaves free text that begins with anything else as it is', () => {
    for (const value of ['Matti Meikäläinen', ' =1+1', "'quoted", 'a=b', 'Шевченко', '', '1-2']) {
      expect(cellText('text', value)).toBe(value);
    }
  });

  it('keeps phone numbers exactly as stored', () => {
    for (const phone of ['+358401234567', '+48 601 234 567', '040 123 4567', '(09) 123-456', '-']) {
      expect(cellText('phone', phone)).toBe(phone);
    }
  });

  it('treats a phone column value that is not a phone number as free text', () => {
    expect(cellText('phone', '+1+cmd|" /C calc"!A0')).toBe(`'+1+cmd|" /C calc"!A0`);
    expect(cellText('phone', '=1+1')).toBe(`'=1+1`);
  });

  it('writes raw values as given', () => {
    expect(cellText('raw', '=1+1')).toBe('=1+1');
  });

  it('is the one rule: neutraliseFormula is what text cells get', () => {
    expect(neutraliseFormula('@x')).toBe(cellText('text', '@x'));
  });
});
