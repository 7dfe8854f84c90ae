import { MAX_JSON_DEPTH, tooDeepPath } from './json-body';

const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('tooDeepPath', () => {
  it('lets bodies up to the limit through', () => {
    expect(tooDeepPath(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeNull();
    expect(tooDeepPath('{"a":[1,{"b":"}}}]]]"}],"c":"\\"{{{"}', 3)).toBeNull();
    expect(tooDeepPath('{"a":[1,{"b":"}}}]]]"}],"c":"\\"{{{"}', 2)).toBe('a.1');
  });

  it('names the path of the first container too deep, keys and indexes', () => {
    expect(tooDeepPath(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(
      Array(MAX_JSON_DEPTH).fill('a').join('.'),
    );
    expect(tooDeepPath('{"x":1,"cu\\"s":[0,"[",{"y":[[]]}]}', 4)).toBe('cu"s.2.y.0');
    expect(tooDeepPath('['.repeat(3000) + ']'.repeat(3000), 3)).toBe('0.0.0');
  });

  it('leaves malformed text to the parser', () => {
    expect(tooDeepPath('{"a":"unterminated', 1)).toBeNull();
  });
});
