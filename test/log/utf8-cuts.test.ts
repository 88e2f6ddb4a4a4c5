// truncateUtf8 and firstBytes: the one-shot cut never splits a character.
import { firstBytes, truncateUtf8 } from '../../src/core/utf8';

describe('truncateUtf8', () => {
  it.each([
    ['hello', 8, 'hello'],
    ['abcdefghij', 8, 'abcdefgh'],
    ['ééééé', 8, 'éééé'],
    ['€€€', 8, '€€'],
    ['😀', 3, ''],
    ['😀😀', 4, '😀'],
    ['a😀', 4, 'a'],
    ['', 8, ''],
  ])('cuts %j at %i bytes to %j', (text, max, expected) => {
    const cut = truncateUtf8(Buffer.from(text), max);
    expect(cut.toString()).toBe(expected);
    expect(cut.length).toBeLessThanOrEqual(max);
  });

  it('returns a view, not a copy', () => {
    const text = Buffer.from('abcdefghij');
    expect(truncateUtf8(text, 4).buffer).toBe(text.buffer);
  });
});

describe('firstBytes', () => {
  it('cuts binary anywhere, even inside what would be a character', () => {
    expect(firstBytes(Buffer.from('€€€'), true, 8)).toEqual(Buffer.from('€€€').subarray(0, 8));
  });
  it('cuts text between characters', () => {
    expect(firstBytes(Buffer.from('€€€'), false, 8).toString()).toBe('€€');
  });
});
