import { newRecordId } from './record-id';

describe(newRecordId.name, () => {
  it('makes RFC 9562 version 7 UUIDs carrying the millisecond', () => {
    const at = Date.UTC(2026, 10, 24, 0, 15, 0, 123);

    const sut = newRecordId(at);

    expect(sut).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(sut.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids in the order they were made, within a millisecond and across them', () => {
    const start = Date.UTC(2027, 0, 1);
    const ids = Array.from({ length: 5000 }, (_, i) => newRecordId(start + Math.floor(i / 1000)));

    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the order when the clock steps back', () => {
    const at = Date.UTC(2028, 0, 1);
    const first = newRecordId(at);

    const sut = newRecordId(at - 5000);

    expect(sut > first).toBe(true);
  });
});
