import { Profession, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { ConsentEventLike, ConsentStateEventTypes as T, applyConsentEvent } from './consent-events';
import { ConsentState, emptyConsentState } from './consent-state';
import { decideAccess } from './decide-access';
import { AccessReasonCode as C } from './reason-codes';

const random = seededRandom(11);
const ins = generateIns(random);
const rpps = generateRpps(random);
const finess = generateFiness(random);
const professional = { kind: 'professional', rpps };
const establishment = { kind: 'establishment', finess };

function event(type: string, occurredAt: string, payload: Record<string, unknown> = {}, key: string = ins): ConsentEventLike {
  return { type, occurredAt, key, payload: { ins: key, ...payload } };
}
function replay(events: ConsentEventLike[], from?: ConsentState): ConsentState {
  return events.reduce<ConsentState>((state, envelope) => applyConsentEvent(state, envelope), from ?? emptyConsentState(ins));
}
const opened = event(T.RECORD_OPENED, '2026-01-01T00:00:00.000Z', { emergency: { emergencyAccess: true, samuRegulationAccess: false } });

describe(applyConsentEvent.name, () => {
  it('opens the record and takes the emergency choices made at opening', () => {
    const sut = applyConsentEvent(undefined, opened);

    expect(sut.ins).toBe(ins);
    expect(sut.record.status).toBe('open');
    expect(sut.emergencyAccessRefused.refused).toBe(false);
    expect(sut.samuAccessRefused.refused).toBe(true);
  });

  it('leaves a record closed when its opening arrives late', () => {
    const sut = replay([event(T.RECORD_CLOSED, '2026-06-01T00:00:00.000Z'), opened]);

    expect(sut.record.status).toBe('closed');
  });

  it('reopens a record on reactivation', () => {
    const sut = replay([opened, event(T.RECORD_CLOSED, '2026-06-01T00:00:00.000Z'), event(T.RECORD_REACTIVATED, '2026-07-01T00:00:00.000Z')]);

    expect(sut.record.status).toBe('open');
  });

  it.each([
    { name: 'authorise', type: T.AUTHORISED, payload: { grantee: professional }, expected: { authorised: true, blocked: false } },
    { name: 'revoke', type: T.AUTHORISATION_REVOKED, payload: { grantee: professional }, expected: { authorised: false, blocked: false } },
    { name: 'block', type: T.PROFESSIONAL_BLOCKED, payload: { rpps }, expected: { authorised: false, blocked: true } },
    { name: 'unblock', type: T.PROFESSIONAL_UNBLOCKED, payload: { rpps }, expected: { authorised: false, blocked: false } },
  ])('records the choice to $name a professional', ({ type, payload, expected }) => {
    const sut = replay([opened, event(type, '2026-01-03T00:00:00.000Z', payload)]);

    expect(sut.professionals[rpps]).toMatchObject(expected);
  });

  it('converges whatever the order a revocation and the older authorisation arrive in', () => {
    const authorise = event(T.AUTHORISED, '2026-02-01T00:00:00.000Z', { grantee: professional });
    const block = event(T.PROFESSIONAL_BLOCKED, '2026-02-02T00:00:00.000Z', { rpps });
    const revoke = event(T.AUTHORISATION_REVOKED, '2026-02-03T00:00:00.000Z', { grantee: professional });

    const sut = replay([opened, revoke, block, authorise]);

    expect(sut.professionals[rpps]).toMatchObject({ authorised: false, blocked: true });
    expect(replay([opened, authorise, block, revoke])).toEqual(sut);
    expect(replay([opened, block, authorise, revoke])).toEqual(sut);
  });

  it('changes nothing when the same event is applied twice', () => {
    const authorise = event(T.AUTHORISED, '2026-02-01T00:00:00.000Z', { grantee: establishment });
    const once = replay([opened, authorise]);

    const sut = applyConsentEvent(once, authorise);

    expect(sut).toEqual(once);
  });

  it('authorises then revokes an establishment', () => {
    const sut = replay([
      opened,
      event(T.AUTHORISED, '2026-02-01T00:00:00.000Z', { grantee: establishment }),
      event(T.AUTHORISATION_REVOKED, '2026-02-02T00:00:00.000Z', { grantee: establishment }),
    ]);

    expect(sut.establishments[finess]).toEqual({ authorised: false, changedAt: '2026-02-02T00:00:00.000Z' });
  });

  it('designates then removes the treating physician', () => {
    const designated = replay([opened, event(T.TREATING_PHYSICIAN_DESIGNATED, '2026-02-01T00:00:00.000Z', { rpps })]);
    const removed = applyConsentEvent(designated, event(T.TREATING_PHYSICIAN_DESIGNATED, '2026-02-02T00:00:00.000Z', { rpps: null }));

    expect(designated.treatingPhysician.rpps).toBe(rpps);
    expect(removed.treatingPhysician.rpps).toBeNull();
  });

  it.each([T.EMERGENCY_PREFERENCES_CHANGED, T.EMERGENCY_CHOICES_CHANGED])('takes the refusals of emergency and SAMU access from %s', (type) => {
    const sut = replay([opened, event(type, '2026-02-01T00:00:00.000Z', { emergency: { emergencyAccess: false, samuRegulationAccess: true } })]);

    expect(sut.emergencyAccessRefused.refused).toBe(true);
    expect(sut.samuAccessRefused.refused).toBe(false);
  });

  it('opens an emergency window from consent\'s emergency-access-started', () => {
    const sut = replay([
      opened,
      event(T.EMERGENCY_ACCESS_STARTED, '2026-03-01T10:00:00.000Z', { accessor: { role: 'professional', id: rpps }, mode: 'emergency', reason: 'coma', startedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T14:00:00.000Z' }),
    ]);

    expect(sut.emergencyAccesses[rpps]).toEqual({ mode: 'emergency', reason: 'coma', openedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T14:00:00.000Z' });
  });

  it('opens an emergency window from a granted emergency access event', () => {
    const sut = replay([
      opened,
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: true, mode: 'samu-regulation', emergencyReason: 'call 15', accessor: { role: 'professional', id: rpps }, at: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T11:00:00.000Z' }),
    ]);

    expect(sut.emergencyAccesses[rpps]).toEqual({ mode: 'samu-regulation', reason: 'call 15', openedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T11:00:00.000Z' });
  });

  it('ignores refused or normal accesses', () => {
    const sut = replay([
      opened,
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: false, mode: 'emergency', accessor: { role: 'professional', id: rpps }, expiresAt: '2026-03-01T14:00:00.000Z' }),
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: true, mode: 'normal', accessor: { role: 'professional', id: rpps } }),
    ]);

    expect(sut.emergencyAccesses).toEqual({});
  });

  it('drops expired emergency windows as later events come', () => {
    const sut = replay([
      opened,
      event(T.EMERGENCY_ACCESS_STARTED, '2026-03-01T10:00:00.000Z', { accessor: { role: 'professional', id: rpps }, mode: 'samu-regulation', reason: 'call 15', expiresAt: '2026-03-01T11:00:00.000Z' }),
      event(T.EMERGENCY_ACCESS_STARTED, '2026-03-02T10:00:00.000Z', { accessor: { role: 'professional', id: generateRpps(random) }, mode: 'emergency', reason: 'x', expiresAt: '2026-03-02T11:00:00.000Z' }),
    ]);

    expect(Object.keys(sut.emergencyAccesses)).not.toContain(rpps);
    expect(Object.keys(sut.emergencyAccesses)).toHaveLength(1);
  });

  it('ignores events of another patient and of unknown types', () => {
    const state = replay([opened]);

    expect(applyConsentEvent(state, event(T.AUTHORISED, '2026-02-01T00:00:00.000Z', { grantee: professional }, generateIns(random)))).toBe(state);
    expect(applyConsentEvent(state, event('documents.document-added', '2026-02-01T00:00:00.000Z', { rpps }))).toBe(state);
  });

  it('feeds decideAccess: a revocation takes effect on the next decision', () => {
    const request = { requester: { role: 'professional' as const, rpps, profession: Profession.PHYSICIAN }, mode: 'normal' as const, at: new Date('2026-05-01T00:00:00.000Z'), target: { kind: 'reimbursements' as const } };
    const authorised = replay([opened, event(T.AUTHORISED, '2026-02-01T00:00:00.000Z', { grantee: professional })]);
    const revoked = applyConsentEvent(authorised, event(T.AUTHORISATION_REVOKED, '2026-04-01T00:00:00.000Z', { grantee: professional }));

    expect(decideAccess(request, authorised).granted).toBe(true);
    expect(decideAccess(request, revoked).code).toBe(C.NOT_AUTHORISED);
  });
});
