import { compareCount, compareItems, isClean, Tally } from './compare';

describe(compareItems.name, () => {
  it('holds when every certain item is seen once and uncertain ones at most once', () => {
    const sut = compareItems(
      new Set(['a', 'b']),
      new Set(['c', 'd']),
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]),
    );

    expect(isClean(sut)).toBe(true);
    expect(sut).toMatchObject({ expected: 2, observed: 3, uncertain: 2 });
  });

  it('counts a missing certain item as lost and an item seen twice as duplicated', () => {
    const sut = compareItems(
      new Set(['a', 'b']),
      new Set(['c']),
      new Map([
        ['a', 1],
        ['c', 2],
      ]),
    );

    expect(sut).toMatchObject({ lost: 1, duplicated: 1, unexpected: 0 });
    expect(sut.details).toEqual(['c seen 2 times', 'b missing']);
  });

  it('reports an item nobody sent here, and one stored with another content, as unexpected', () => {
    const sut = compareItems(
      new Set(['a']),
      new Set(),
      new Map([
        ['a', 1],
        ['z', 1],
      ]),
      (id) => (id === 'a' ? 'other hash' : undefined),
    );

    expect(sut).toMatchObject({ lost: 0, duplicated: 0, unexpected: 2 });
  });
});

describe(compareCount.name, () => {
  it('accepts any count between the certain count and the certain plus uncertain count', () => {
    expect(isClean(compareCount(10, 2, 10, 'x'))).toBe(true);
    expect(isClean(compareCount(10, 2, 12, 'x'))).toBe(true);
  });

  it('says how many are missing or too many', () => {
    expect(compareCount(10, 2, 7, 'lines')).toMatchObject({ lost: 3, duplicated: 0 });
    expect(compareCount(10, 2, 15, 'lines')).toMatchObject({ lost: 0, duplicated: 3 });
  });
});

describe(Tally.name, () => {
  it('sums outcomes over keys, keeps at most ten examples, and holds only when nothing is off', () => {
    const sut = new Tally('t', 'd');
    for (let i = 0; i < 12; i++) sut.add(compareCount(1, 0, 0, 'x'), `patient-${i}`);

    const result = sut.result();

    expect(result).toMatchObject({ expected: 12, observed: 0, lost: 12, holds: false });
    expect(result.examples).toHaveLength(10);
    expect(result.examples[0]).toBe('patient-0: x: expected 1, observed 0: 1 missing');
  });
});
