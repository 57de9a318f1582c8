import { Actor } from '@dmp/auth';
import { ActorRole, ClosureReason, CpamCode, Finess, Ins, LegalRepresentativeRelationship, generateIns, seededRandom } from '@dmp/domain';
import { mayActOnRecord, mayCloseFor, mayOpen } from './record-access.policy';
import { OpeningData } from './opening-rules';

const random = seededRandom(5);
const [child, parent, stranger] = [generateIns(random), generateIns(random), generateIns(random)];
const record = { ins: child, legalRepresentatives: [{ ins: parent, relationship: LegalRepresentativeRelationship.PARENT }] };
const opening = (ins: Ins, representatives: Ins[] = []): OpeningData =>
  ({ ins, legalRepresentatives: representatives.map((r) => ({ ins: r, relationship: LegalRepresentativeRelationship.PARENT })) }) as unknown as OpeningData;

const patient = (ins: Ins): Actor => ({ role: ActorRole.PATIENT, ins });
const representative = (ins: Ins, represents: Ins[]): Actor => ({ role: ActorRole.LEGAL_REPRESENTATIVE, ins, represents });
const agent: Actor = { role: ActorRole.CPAM_AGENT, agentId: 'a1', cpamCode: '751' as CpamCode };
const pharmacy: Actor = { role: ActorRole.PHARMACY, finess: '010000024' as Finess };

describe(mayActOnRecord.name, () => {
  it('lets a person act on their own record and on the records they are listed on, nobody else', () => {
    expect(mayActOnRecord(patient(child), record)).toBe(true);
    expect(mayActOnRecord(patient(parent), record)).toBe(true);
    expect(mayActOnRecord(representative(parent, [child]), record)).toBe(true);
    expect(mayActOnRecord(patient(stranger), record)).toBe(false);
    expect(mayActOnRecord(representative(stranger, [child]), record)).toBe(false);
  });

  it('leaves institutional roles to the role check of the route', () => {
    expect(mayActOnRecord(agent, record)).toBe(true);
    expect(mayActOnRecord(pharmacy, record)).toBe(true);
  });
});

describe(mayOpen.name, () => {
  it("lets a patient open only their own record", () => {
    expect(mayOpen(patient(child), opening(child))).toBe(true);
    expect(mayOpen(patient(parent), opening(child, [parent]))).toBe(false);
  });

  it("lets a representative open a dependant's record only when the token vouches and the body names them", () => {
    expect(mayOpen(representative(parent, [child]), opening(child, [parent]))).toBe(true);
    expect(mayOpen(representative(parent, [stranger]), opening(child, [parent]))).toBe(false);
    expect(mayOpen(representative(parent, [child]), opening(child, [stranger]))).toBe(false);
  });
});

describe(mayCloseFor.name, () => {
  it('lets agents record any closure and patients only their own request', () => {
    expect(mayCloseFor(agent, ClosureReason.DEATH)).toBe(true);
    expect(mayCloseFor(patient(child), ClosureReason.PATIENT_REQUEST)).toBe(true);
    expect(mayCloseFor(patient(child), ClosureReason.DEATH)).toBe(false);
    expect(mayCloseFor(patient(child), ClosureReason.ADMINISTRATIVE)).toBe(false);
    expect(mayCloseFor(pharmacy, ClosureReason.PATIENT_REQUEST)).toBe(false);
  });
});
