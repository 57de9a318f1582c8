import { planFaults } from './fault-plan';

const options = {
  seed: 42,
  instances: ['enrolment-1', 'documents-1', 'documents-2', 'consent-1'],
  maxKills: 8,
  gapMs: [1_000, 5_000] as [number, number],
  downMs: [200, 2_000] as [number, number],
};

describe(planFaults.name, () => {
  it('gives the same plan for the same seed and another for another seed', () => {
    const sut = planFaults;

    expect(sut(options)).toEqual(sut(options));
    expect(sut({ ...options, seed: 43 })).not.toEqual(sut(options));
  });

  it('kills one service instance and the broker among the first two faults, whatever the seed', () => {
    for (let seed = 0; seed < 200; seed++) {
      const firstTwo = planFaults({ ...options, seed, maxKills: 2 }).map((f) => f.target);

      expect(firstTwo).toHaveLength(2);
      expect(firstTwo).toContain('broker');
      expect(firstTwo.some((t) => options.instances.includes(t))).toBe(true);
    }
  });

  it('never plans more kills than allowed, and restarts PostgreSQL once at the asked position', () => {
    const sut = planFaults({ ...options, postgresRestartAfter: 3 });

    expect(sut.filter((f) => f.action === 'kill -9')).toHaveLength(8);
    expect(sut.filter((f) => f.target === 'postgres')).toEqual([
      expect.objectContaining({ action: 'restart' }),
    ]);
    expect(sut.findIndex((f) => f.target === 'postgres')).toBe(3);
  });

  it('draws gaps and downtimes within their bounds and targets only known processes', () => {
    const sut = planFaults({ ...options, maxKills: 50 });

    for (const fault of sut) {
      expect(fault.gapMs).toBeGreaterThanOrEqual(1_000);
      expect(fault.gapMs).toBeLessThanOrEqual(5_000);
      expect(fault.downMs).toBeGreaterThanOrEqual(200);
      expect(fault.downMs).toBeLessThanOrEqual(2_000);
      expect(['broker', ...options.instances]).toContain(fault.target);
    }
  });
});
