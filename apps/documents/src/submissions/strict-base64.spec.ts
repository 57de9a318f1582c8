import { randomBytes } from 'node:crypto';
import { decodeStrictBase64 } from './strict-base64';

describe(decodeStrictBase64.name, () => {
  it.each([0, 1, 2, 3, 4, 5, 1000, 200 * 1024 + 1])('decodes what Buffer encodes (%d bytes)', (size) => {
    const body = randomBytes(size);
    const decoded = decodeStrictBase64(body.toString('base64'));
    if (size === 0) expect(decoded).toBeUndefined();
    else expect(decoded?.equals(body)).toBe(true);
  });

  it.each([
    ['characters outside the alphabet', '****'],
    ['a space inside', 'AA AA==='],
    ['padding in the middle', 'AA==AAAA'],
    ['three padding characters', 'A==='],
    ['a length that is not a multiple of 4', 'AAA'],
    ['the URL-safe alphabet', 'AAA-'],
    ['the URL-safe underscore', '_AAA'],
    ['a line break', 'AAAA\nAAAA'],
    ['an empty text', ''],
  ])('refuses %s', (_what, text) => {
    expect(decodeStrictBase64(text)).toBeUndefined();
  });
});
