import { ActorRole, EstablishmentCategory, EstablishmentKind, Profession } from '@dmp/domain';
import { Actor, actorId, actorMayActForPatient, actorRef, isPatientSide, validateActor } from './actor';

const INS = '100017510100151';
const CHILD = '185012A12345666';
const OTHER = '292052B04501226';

describe(validateActor.name, () => {
  it('keeps only the fields of the role', () => {
    expect(validateActor({ role: 'patient', ins: INS, represents: [CHILD], admin: true })).toEqual({ ok: true, value: { role: ActorRole.PATIENT, ins: INS } });
  });

  it('accepts a professional without an establishment', () => {
    expect(validateActor({ role: 'professional', rpps: '10123456781', profession: 'midwife' })).toEqual({
      ok: true,
      value: { role: ActorRole.PROFESSIONAL, rpps: '10123456781', profession: Profession.MIDWIFE },
    });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'patient', 'actor: actor must be an object with a role'],
    ['an unknown role', { role: 'admin' }, 'role: role must be one of patient, legal-representative'],
    ['a patient without INS', { role: 'patient' }, 'ins: ins is required'],
    ['a patient with a wrong key', { role: 'patient', ins: '100017510100152' }, 'ins: INS key 52 does not match the NIR (expected 51)'],
    ['a patient INS written with spaces', { role: 'patient', ins: '1 00 01 75 101 001 51' }, 'ins: ins must be written 100017510100151'],
    ['a representative of nobody', { role: 'legal-representative', ins: INS, represents: [] }, 'represents: represents must list the INS of 1 to 20 dependants'],
    ['a representative of an invalid INS', { role: 'legal-representative', ins: INS, represents: [CHILD, '1'] }, 'represents.1: INS must have 15 characters'],
    ['a professional with a wrong RPPS', { role: 'professional', rpps: '10123456782', profession: 'nurse' }, 'rpps: RPPS check digit 2 does not match (expected 1)'],
    ['a professional of an unknown profession', { role: 'professional', rpps: '10123456781', profession: 'wizard' }, 'profession: profession must be one of physician'],
    ['a professional with a wrong FINESS', { role: 'professional', rpps: '10123456781', profession: 'nurse', finess: '750712185' }, 'finess: FINESS check digit 5 does not match (expected 4)'],
    ['an EHPAD claiming to be a health establishment', { role: 'establishment', finess: '750712184', kind: 'health', category: 'ehpad' }, 'category: category ehpad is a medico-social establishment, not health'],
    ['an establishment of unknown kind', { role: 'establishment', finess: '750712184', kind: 'zoo', category: 'chu' }, 'kind: kind must be one of health, medico-social, other'],
    ['a pharmacy without FINESS', { role: 'pharmacy' }, 'finess: finess is required'],
    ['an agent with a 2-digit office', { role: 'cpam-agent', agentId: 'a1', cpamCode: '75' }, 'cpamCode: CPAM code must have 3 digits, got 2'],
    ['an agent id with spaces', { role: 'cpam-agent', agentId: 'a 1', cpamCode: '751' }, 'agentId: agentId must be 1-64 letters'],
    ['a pipeline without id', { role: 'insurer-pipeline' }, 'pipelineId: pipelineId must be 1-64 letters'],
    ['an operator with an empty id', { role: 'operator', operatorId: '' }, 'operatorId: operatorId must be 1-64 letters'],
  ])('refuses %s, naming the field', (_case, raw, reason) => {
    const sut = validateActor(raw);

    expect(sut.ok).toBe(false);
    expect(sut.ok ? '' : sut.reason).toContain(reason);
  });
});

describe(actorMayActForPatient.name, () => {
  const patient = { role: ActorRole.PATIENT, ins: INS } as Actor;
  const parent = { role: ActorRole.LEGAL_REPRESENTATIVE, ins: INS, represents: [CHILD] } as Actor;
  const professional = { role: ActorRole.PROFESSIONAL, rpps: '10123456781', profession: Profession.PHYSICIAN } as Actor;
  const establishment = { role: ActorRole.ESTABLISHMENT, finess: '750712184', kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.CHU } as Actor;

  it.each<[string, Actor, string, boolean]>([
    ['a patient on their own record', patient, INS, true],
    ['a patient on someone else', patient, CHILD, false],
    ['a representative on their dependant', parent, CHILD, true],
    ['a representative on their own record', parent, INS, true],
    ['a representative on a stranger', parent, OTHER, false],
    ['a professional (decided by roles and rules, not identity)', professional, INS, false],
    ['an establishment', establishment, INS, false],
  ])('answers for %s', (_case, actor, ins, expected) => {
    expect(actorMayActForPatient(actor, ins)).toBe(expected);
  });

  it('tells the patient side apart', () => {
    expect(isPatientSide(parent)).toBe(true);
    expect(isPatientSide(professional)).toBe(false);
  });
});

describe(actorId.name, () => {
  it.each<[Actor, string]>([
    [{ role: ActorRole.PATIENT, ins: INS } as Actor, INS],
    [{ role: ActorRole.PHARMACY, finess: '130786049' } as Actor, '130786049'],
    [{ role: ActorRole.CPAM_AGENT, agentId: 'agent-7', cpamCode: '751' } as Actor, 'agent-7'],
    [{ role: ActorRole.INSURER_PIPELINE, pipelineId: 'batch' }, 'batch'],
  ])('identifies %o by %s', (actor, id) => {
    expect(actorId(actor)).toBe(id);
    expect(actorRef(actor)).toEqual({ role: actor.role, id });
  });
});
