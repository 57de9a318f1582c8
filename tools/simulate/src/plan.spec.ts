import {
  DocumentFormat,
  OpeningChannel,
  SourceCategory,
  isMinorOn,
  validateFiness,
  validateIns,
  validateRpps,
} from '@dmp/domain';
import {
  DOCUMENT_SOURCE_MIX,
  OPENING_CHANNEL_MIX,
  planSimulation,
  quotas,
  sha256Hex,
  type SimulationPlan,
} from './plan';

const now = new Date('2026-11-23T10:00:00Z');

function shares<K extends string>(keys: K[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[k] = (counts[k] ?? 0) / keys.length;
  return counts;
}

/** What identifies a plan's actions (bodies and tokens derive from these). */
function fingerprint(plan: SimulationPlan): string {
  return JSON.stringify({
    openings: plan.openings.map((o) => [o.patient.ins, o.channel, o.intent, o.actor]),
    documents: plan.documents.map((d) => [
      d.documentId,
      d.ins,
      d.sha256,
      d.sourceCategory,
      d.establishment?.finess ?? null,
    ]),
    authorisations: plan.authorisations.map((a) => [a.ins, a.grantee]),
    consultations: plan.consultations.map((c) => [c.ins, c.professional.rpps, c.mode]),
  });
}

describe(planSimulation.name, () => {
  const sut = planSimulation({ seed: 42, scale: 1, now });

  it('plans the same population and actions for the same seed and scale', () => {
    const again = planSimulation({ seed: 42, scale: 1, now });

    expect(fingerprint(again)).toBe(fingerprint(sut));
  });

  it('plans other patients and documents for another seed', () => {
    const other = planSimulation({ seed: 43, scale: 1, now });

    const insOf = new Set(sut.patients.map((p) => p.ins));
    expect(other.patients.filter((p) => insOf.has(p.ins)).length).toBeLessThan(5);
    expect(fingerprint(other)).not.toBe(fingerprint(sut));
  });

  it('opens a few hundred records and about a thousand documents at scale 1, ten times fewer at scale 0.1', () => {
    expect(sut.openings.length).toBeGreaterThanOrEqual(300);
    expect(sut.openings.length).toBeLessThanOrEqual(700);
    expect(sut.documents.filter((d) => d.intent === 'normal')).toHaveLength(1000);
    const small = planSimulation({ seed: 42, scale: 0.1, now });
    expect(small.documents.filter((d) => d.intent === 'normal')).toHaveLength(100);
    expect(small.patients.length).toBeLessThan(sut.patients.length / 5);
  });

  it('follows the channel mix of the seeds to within a percent (counters 38%, pharmacies 28%, online 21%, professionals and establishments 13%)', () => {
    const mix = shares(sut.openings.filter((o) => o.intent === 'first').map((o) => o.channel));

    for (const channel of Object.values(OpeningChannel))
      expect(Math.abs((mix[channel] ?? 0) - OPENING_CHANNEL_MIX[channel])).toBeLessThan(0.01);
    expect(
      (mix[OpeningChannel.PROFESSIONAL] ?? 0) + (mix[OpeningChannel.ESTABLISHMENT] ?? 0),
    ).toBeCloseTo(0.13, 2);
  });

  it('follows the document source mix of the seeds to within a percent (patients 47.8%, establishments 36.5%, liberal 11.5%, others 4.3%)', () => {
    const mix = shares(
      sut.documents.filter((d) => d.intent === 'normal').map((d) => d.sourceCategory),
    );

    for (const source of Object.values(SourceCategory))
      expect(Math.abs((mix[source] ?? 0) - DOCUMENT_SOURCE_MIX[source])).toBeLessThan(0.01);
    expect(
      (mix[SourceCategory.ESTABLISHMENT_HEALTH] ?? 0) +
        (mix[SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL] ?? 0),
    ).toBeCloseTo(0.365, 2);
  });

  it('gives every patient a valid INS and every professional, pharmacy and establishment a valid RPPS or FINESS', () => {
    for (const p of sut.patients)
      expect(validateIns(p.ins)).toMatchObject({ ok: true, value: p.ins });
    for (const p of sut.population.professionals)
      expect(validateRpps(p.rpps)).toMatchObject({ ok: true });
    for (const p of sut.population.pharmacies)
      expect(validateFiness(p.finess)).toMatchObject({ ok: true });
    for (const e of sut.population.establishments)
      expect(validateFiness(e.finess)).toMatchObject({ ok: true });
  });

  it('gives the deliberately invalid openings an INS whose key is wrong, and only them', () => {
    const invalid = sut.openings.filter((o) => o.intent === 'invalid');

    expect(invalid.length).toBeGreaterThan(0);
    for (const o of invalid) expect(validateIns(o.patient.ins).ok).toBe(false);
    for (const o of sut.openings.filter((x) => x.intent !== 'invalid'))
      expect(validateIns(o.patient.ins).ok).toBe(true);
  });

  it('opens dependants as minors with an adult of the population as legal representative', () => {
    const adults = new Set(sut.patients.filter((p) => !p.representativeIns).map((p) => p.ins));
    const dependants = sut.patients.filter((p) => p.representativeIns);

    expect(dependants.length).toBe(sut.population.dependants);
    expect(dependants.length).toBeGreaterThan(10);
    for (const d of dependants) {
      expect(isMinorOn(d.birthDate, '2026-11-23')).toBe(true);
      expect(adults.has(d.representativeIns ?? '')).toBe(true);
    }
    for (const p of sut.patients.filter((x) => !x.representativeIns))
      expect(isMinorOn(p.birthDate, '2026-11-23')).toBe(false);
  });

  it('declares each body with its own hash, except the documents meant to be rejected', () => {
    for (const d of sut.documents) {
      if (d.intent === 'invalid') expect(d.sha256).not.toBe(sha256Hex(d.body));
      else expect(d.sha256).toBe(sha256Hex(d.body));
      if (d.format === DocumentFormat.PDF)
        expect(d.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }
  });

  it('re-sends only documents of establishments, with the same id and body as the original', () => {
    const resends = sut.documents.filter((d) => d.intent === 'resend');

    expect(resends.length).toBeGreaterThan(0);
    for (const r of resends) {
      const original = sut.documents.find(
        (d) => d.intent === 'normal' && d.documentId === r.documentId,
      );
      expect(original?.sha256).toBe(r.sha256);
      expect(r.establishment).toBeDefined();
    }
  });

  it('has establishments sending over both Kafka and HTTP', () => {
    const ways = new Set(sut.population.establishments.map((e) => e.way));

    expect([...ways].sort()).toEqual(['http', 'kafka']);
  });

  it('refuses a scale that is not a positive number', () => {
    expect(() => planSimulation({ seed: 1, scale: 0 })).toThrow(RangeError);
  });
});

describe(quotas.name, () => {
  it('splits a total exactly, in proportion to the weights', () => {
    const sut = quotas({ a: 0.38, b: 0.28, c: 0.21, d: 0.13 }, 7);

    expect(Object.values(sut).reduce((x, y) => x + y, 0)).toBe(7);
    expect(sut).toEqual({ a: 3, b: 2, c: 1, d: 1 });
  });
});
