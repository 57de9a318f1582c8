import { CpamAgentActor, EstablishmentActor, LegalRepresentativeActor, OperatorActor, PatientActor, PharmacyActor, ProfessionalActor } from '@dmp/auth';
import {
  ActorRole,
  CpamCode,
  EstablishmentCategory,
  EstablishmentKind,
  Ins,
  Profession,
  generateFiness,
  generateIns,
  generateRpps,
  seededRandom,
} from '@dmp/domain';

// A different seed per test file run keeps INS unique across files sharing nothing but the broker.
const random = seededRandom(Number(process.hrtime.bigint() % 1_000_000_007n));

export const newIns = (): Ins => generateIns(random);

export const actors = {
  agent: (cpamCode = '751'): CpamAgentActor => ({ role: ActorRole.CPAM_AGENT, agentId: `agent-${Math.floor(random() * 1e6)}`, cpamCode: cpamCode as CpamCode }),
  pharmacy: (): PharmacyActor => ({ role: ActorRole.PHARMACY, finess: generateFiness(random) }),
  patient: (ins: Ins): PatientActor => ({ role: ActorRole.PATIENT, ins }),
  representative: (ins: Ins, represents: Ins[]): LegalRepresentativeActor => ({ role: ActorRole.LEGAL_REPRESENTATIVE, ins, represents }),
  professional: (): ProfessionalActor => ({ role: ActorRole.PROFESSIONAL, rpps: generateRpps(random), profession: Profession.PHYSICIAN }),
  establishment: (): EstablishmentActor => ({ role: ActorRole.ESTABLISHMENT, finess: generateFiness(random), kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.HOSPITAL }),
  operator: (): OperatorActor => ({ role: ActorRole.OPERATOR, operatorId: 'ops-1' }),
};

/** An adult's opening body; override any field. */
export function anOpening(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ins: newIns(),
    familyName: 'MARTIN',
    givenNames: 'Jeanne',
    birthDate: '1984-12-03',
    cpamCode: '751',
    email: 'jeanne.martin@example.fr',
    consent: { at: new Date(Date.now() - 60_000).toISOString(), place: 'test counter' },
    ...overrides,
  };
}

/** A minor's opening body with one representative. */
export function aMinorOpening(representative: Ins, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const year = new Date().getUTCFullYear() - 10;
  return anOpening({ birthDate: `${year}-03-15`, legalRepresentatives: [{ ins: representative, relationship: 'parent' }], ...overrides });
}
