import { firstByKey, lastByKey, sortedDistinct, Tally } from './tally';

describe(Tally.name, () => {
  it('sums the deltas of equal keys and sorts the entries by key', () => {
    const sut = new Tally(2);

    sut.add(['2019-12-16', '941'], 1, 0);
    sut.add(['2019-12-09', '251'], 0, 1);
    sut.add(['2019-12-16', '941'], 2, 1);

    expect(sut.entries()).toEqual([
      { key: ['2019-12-09', '251'], deltas: [0, 1] },
      { key: ['2019-12-16', '941'], deltas: [3, 1] },
    ]);
  });

  it('drops the keys whose deltas cancel out', () => {
    const sut = new Tally(1);

    sut.add(['2019-12-16', ''], 1);
    sut.add(['2019-12-16', ''], -1);
    sut.add(['2019-12-16', '941'], 1);

    expect(sut.entries()).toEqual([{ key: ['2019-12-16', '941'], deltas: [1] }]);
  });

  it('gives the entries as columns for unnest', () => {
    const sut = new Tally(1);
    sut.add(['b', 'y'], 2);
    sut.add(['a', 'x'], 1);

    expect(sut.columns()).toEqual({ keys: [['a', 'b'], ['x', 'y']], deltas: [[1, 2]] });
  });

  it('refuses a number of deltas that is not its width', () => {
    expect(() => new Tally(2).add(['a'], 1)).toThrow(RangeError);
  });
});

describe(lastByKey.name, () => {
  it('keeps one item per key, the last one seen', () => {
    const sut = lastByKey([{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }], (i) => i.k);

    expect(sut).toEqual([{ k: 'a', v: 3 }, { k: 'b', v: 2 }]);
  });

  it('keeps one item per key, the first one seen, for facts whose first event wins', () => {
    const sut = firstByKey([{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }], (i) => i.k);

    expect(sut).toEqual([{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
  });

  it('sorts distinct values', () => {
    expect(sortedDistinct(['b', 'a', 'b'])).toEqual(['a', 'b']);
  });
});
