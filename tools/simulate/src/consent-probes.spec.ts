import { OpeningChannel } from '@dmp/domain';
import { consentProbes } from './run-simulation';
import type { OpeningEntry } from './types';

function opening(seq: number, outcome: OpeningEntry['outcome'] = 'created'): OpeningEntry {
  return {
    seq,
    ins: `ins-${seq}`,
    intent: 'first',
    channel: OpeningChannel.CPAM_COUNTER,
    actor: { role: 'cpam-agent', id: '751-A1' },
    cpamCode: '751',
    birthDate: '1970-01-01',
    outcome,
    status: outcome === 'created' ? 201 : 409,
    attempts: 1,
    // Opened in reverse order of seq: the probes follow the time of opening, not the ledger.
    at: new Date(Date.UTC(2026, 0, 1) + (100_000 - seq) * 1000).toISOString(),
  };
}

describe(consentProbes.name, () => {
  const openings = Array.from({ length: 10_000 }, (_, i) => opening(i));

  it('ends with the 32 records opened last, the last one last', () => {
    const sut = consentProbes(openings, 1);

    expect(sut.slice(-32)).toEqual(
      Array.from({ length: 32 }, (_, i) => `ins-${31 - i}`),
    );
  });

  it('starts with a sample of about 96 earlier records, oldest opening first', () => {
    const sut = consentProbes(openings, 1).slice(0, -32);

    expect(sut.length).toBeGreaterThan(60);
    expect(sut.length).toBeLessThan(140);
    const seqs = sut.map((ins) => Number(ins.slice(4)));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(Math.min(...seqs)).toBeGreaterThanOrEqual(32);
    // Spread over the whole backlog, not bunched at one end.
    expect(Math.max(...seqs) - Math.min(...seqs)).toBeGreaterThan(8_000);
  });

  it('probes only records that were opened', () => {
    const sut = consentProbes([opening(1, 'rejected'), opening(2), opening(3, 'unknown')], 1);

    expect(sut).toEqual(['ins-2']);
  });

  it('picks the same sample for the same seed', () => {
    expect(consentProbes(openings, 7)).toEqual(consentProbes(openings, 7));
    expect(consentProbes(openings, 7)).not.toEqual(consentProbes(openings, 8));
  });
});
