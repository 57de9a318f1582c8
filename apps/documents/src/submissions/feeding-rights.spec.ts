import { ActorRole } from '@dmp/domain';
import { feedingRefusal } from './feeding-rights';

describe(feedingRefusal.name, () => {
  const ins = '277028690570430';
  const dependant = '118057512345658';
  const rpps = '10003456786';
  const context = { professionals: {}, legalRepresentatives: [] };

  it('lets a professional feed a record without any authorisation', () => {
    expect(feedingRefusal({ role: ActorRole.PROFESSIONAL, id: rpps }, ins, context)).toBeUndefined();
  });

  it('refuses a professional the patient blocked, naming the RPPS', () => {
    const sut = feedingRefusal({ role: ActorRole.PROFESSIONAL, id: rpps }, ins, { ...context, professionals: { [rpps]: { blocked: true } } });
    expect(sut).toBe(`ins: the patient has blocked this professional (RPPS ${rpps}) from their DMP`);
  });

  it('lets a professional the patient unblocked feed again', () => {
    expect(feedingRefusal({ role: ActorRole.PROFESSIONAL, id: rpps }, ins, { ...context, professionals: { [rpps]: { blocked: false } } })).toBeUndefined();
  });

  it('lets the patient feed their own record only', () => {
    expect(feedingRefusal({ role: ActorRole.PATIENT, id: ins }, ins, context)).toBeUndefined();
    expect(feedingRefusal({ role: ActorRole.PATIENT, id: ins }, dependant, context)).toMatch(/^ins: a patient adds documents to their own record only/);
  });

  it("lets a legal representative feed a dependant's record while enrolment lists them", () => {
    expect(feedingRefusal({ role: ActorRole.LEGAL_REPRESENTATIVE, id: ins }, dependant, { ...context, legalRepresentatives: [ins] })).toBeUndefined();
    expect(feedingRefusal({ role: ActorRole.LEGAL_REPRESENTATIVE, id: ins }, dependant, { ...context, legalRepresentatives: ['299999999999999'] })).toBe(
      `ins: ${ins} is not (or no longer) a legal representative of this patient`,
    );
    expect(feedingRefusal({ role: ActorRole.LEGAL_REPRESENTATIVE, id: ins }, dependant, undefined)).toMatch(/not \(or no longer\) a legal representative/);
  });

  it('lets a legal representative feed their own record', () => {
    expect(feedingRefusal({ role: ActorRole.LEGAL_REPRESENTATIVE, id: ins }, ins, context)).toBeUndefined();
  });
});
