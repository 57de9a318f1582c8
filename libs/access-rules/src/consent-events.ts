import { ConsentState, EmergencyAccessWindow, ProfessionalChoice, emptyConsentState } from './consent-state';

/**
 * The envelope fields the reducer reads. @dmp/contracts' EventEnvelope satisfies it; this library
 * may not import contracts (it stays pure), so it states the shape it relies on.
 */
export interface ConsentEventLike {
  type: string;
  occurredAt: string;
  key: string;
  payload: unknown;
}

/**
 * Envelope `type` values the reducer understands (the event types of @dmp/contracts). Any other
 * type leaves the state as it is, so a service may feed it every event of a topic.
 */
export const ConsentStateEventTypes = {
  RECORD_OPENED: 'enrolment.record-opened',
  RECORD_CLOSED: 'enrolment.record-closed',
  RECORD_REACTIVATED: 'enrolment.record-reactivated',
  EMERGENCY_CHOICES_CHANGED: 'enrolment.emergency-choices-changed',
  /** grantee: { kind: 'professional', rpps } or { kind: 'establishment', finess } */
  AUTHORISED: 'consent.professional-authorised',
  AUTHORISATION_REVOKED: 'consent.authorisation-revoked',
  PROFESSIONAL_BLOCKED: 'consent.professional-blocked',
  PROFESSIONAL_UNBLOCKED: 'consent.professional-unblocked',
  TREATING_PHYSICIAN_DESIGNATED: 'consent.treating-physician-designated',
  EMERGENCY_PREFERENCES_CHANGED: 'consent.emergency-preferences-changed',
  EMERGENCY_ACCESS_STARTED: 'consent.emergency-access-started',
  ACCESSED: 'access.accessed',
} as const;

/** The Kafka topics of those events, for a service that subscribes to feed its copy of the state. */
export const consentStateTopics: readonly string[] = [
  'dmp.enrolment.record-opened.v1',
  'dmp.enrolment.record-closed.v1',
  'dmp.enrolment.record-reactivated.v1',
  'dmp.enrolment.emergency-choices-changed.v1',
  'dmp.consent.professional-authorised.v1',
  'dmp.consent.authorisation-revoked.v1',
  'dmp.consent.professional-blocked.v1',
  'dmp.consent.professional-unblocked.v1',
  'dmp.consent.treating-physician-designated.v1',
  'dmp.consent.emergency-preferences-changed.v1',
  'dmp.consent.emergency-access-started.v1',
];

const T = ConsentStateEventTypes;

type Payload = Record<string, unknown>;

function field(payload: Payload, name: string): unknown {
  return payload[name];
}

function stringField(payload: Payload, name: string): string | undefined {
  const value = field(payload, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function instant(iso: string | null | undefined): number {
  if (iso === null || iso === undefined) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/** True when an event at `occurredAt` may overwrite a choice made at `changedAt`. */
function isNewer(occurredAt: string, changedAt: string | null | undefined): boolean {
  return instant(occurredAt) >= instant(changedAt);
}

const noChoice: ProfessionalChoice = { authorised: false, authorisedChangedAt: null, blocked: false, blockedChangedAt: null };

function setProfessional(state: ConsentState, rpps: string | undefined, choice: 'authorised' | 'blocked', value: boolean, at: string): ConsentState {
  if (rpps === undefined) return state;
  const current = Object.hasOwn(state.professionals, rpps) ? state.professionals[rpps] : noChoice;
  const next: ProfessionalChoice =
    choice === 'authorised'
      ? isNewer(at, current.authorisedChangedAt) ? { ...current, authorised: value, authorisedChangedAt: at } : current
      : isNewer(at, current.blockedChangedAt) ? { ...current, blocked: value, blockedChangedAt: at } : current;
  return next === current ? state : { ...state, professionals: { ...state.professionals, [rpps]: next } };
}

function setEstablishment(state: ConsentState, finess: string | undefined, authorised: boolean, at: string): ConsentState {
  if (finess === undefined) return state;
  const current = Object.hasOwn(state.establishments, finess) ? state.establishments[finess] : undefined;
  if (current !== undefined && !isNewer(at, current.changedAt)) return state;
  return { ...state, establishments: { ...state.establishments, [finess]: { authorised, changedAt: at } } };
}

/** `payload.emergency` holds the patient's choices as permissions (true = access allowed). */
function setRefusals(state: ConsentState, payload: Payload, at: string): ConsentState {
  const choices = field(payload, 'emergency');
  if (typeof choices !== 'object' || choices === null) return state;
  let next = state;
  const emergency = (choices as Payload)['emergencyAccess'];
  if (typeof emergency === 'boolean' && isNewer(at, state.emergencyAccessRefused.changedAt)) {
    next = { ...next, emergencyAccessRefused: { refused: !emergency, changedAt: at } };
  }
  const samu = (choices as Payload)['samuRegulationAccess'];
  if (typeof samu === 'boolean' && isNewer(at, state.samuAccessRefused.changedAt)) {
    next = { ...next, samuAccessRefused: { refused: !samu, changedAt: at } };
  }
  return next;
}

function setRecordStatus(state: ConsentState, status: 'open' | 'closed', at: string): ConsentState {
  return isNewer(at, state.record.changedAt) ? { ...state, record: { status, changedAt: at } } : state;
}

function granteeOf(payload: Payload): { rpps?: string; finess?: string } {
  const grantee = field(payload, 'grantee');
  if (typeof grantee !== 'object' || grantee === null) return {};
  const g = grantee as Payload;
  if (g['kind'] === 'professional') return { rpps: stringField(g, 'rpps') };
  if (g['kind'] === 'establishment') return { finess: stringField(g, 'finess') };
  return {};
}

function openEmergencyAccess(state: ConsentState, window: EmergencyAccessWindow & { rpps: string }, at: string): ConsentState {
  const current = Object.hasOwn(state.emergencyAccesses, window.rpps) ? state.emergencyAccesses[window.rpps] : undefined;
  if (current !== undefined && instant(current.expiresAt) >= instant(window.expiresAt)) return state;
  const { rpps, ...rest } = window;
  return pruneExpired({ ...state, emergencyAccesses: { ...state.emergencyAccesses, [rpps]: rest } }, at);
}

/** Drops the emergency windows that had expired when the event happened (they grant nothing). */
function pruneExpired(state: ConsentState, at: string): ConsentState {
  const now = instant(at);
  const entries = Object.entries(state.emergencyAccesses);
  const alive = entries.filter(([, window]) => instant(window.expiresAt) > now);
  return alive.length === entries.length ? state : { ...state, emergencyAccesses: Object.fromEntries(alive) };
}

/** The professional's RPPS of an accessor reference ({ role, id }). */
function accessorRpps(payload: Payload): string | undefined {
  const accessor = field(payload, 'accessor');
  if (typeof accessor !== 'object' || accessor === null) return undefined;
  return (accessor as Payload)['role'] === 'professional' ? stringField(accessor as Payload, 'id') : undefined;
}

/** consent.emergency-access-started: the window as the consent service recorded it. */
function emergencyWindowFrom(payload: Payload, at: string): (EmergencyAccessWindow & { rpps: string }) | undefined {
  const rpps = accessorRpps(payload);
  const mode = field(payload, 'mode');
  const expiresAt = stringField(payload, 'expiresAt');
  if (rpps === undefined || expiresAt === undefined || (mode !== 'emergency' && mode !== 'samu-regulation')) return undefined;
  return { rpps, mode, reason: stringField(payload, 'reason') ?? '', openedAt: stringField(payload, 'startedAt') ?? at, expiresAt };
}

/**
 * access.accessed: a granted emergency or SAMU access opens a window, so the service that
 * decided can apply its own access at once without waiting for consent's event. Needs the
 * decision's expiresAt in the payload.
 */
function emergencyWindowFromAccess(payload: Payload, at: string): (EmergencyAccessWindow & { rpps: string }) | undefined {
  if (field(payload, 'granted') !== true) return undefined;
  const rpps = accessorRpps(payload);
  const mode = field(payload, 'mode');
  const expiresAt = stringField(payload, 'expiresAt');
  if (rpps === undefined || expiresAt === undefined || (mode !== 'emergency' && mode !== 'samu-regulation')) return undefined;
  return { rpps, mode, reason: stringField(payload, 'emergencyReason') ?? '', openedAt: stringField(payload, 'at') ?? at, expiresAt };
}

/**
 * Applies one event to a patient's consent state and returns the new state (the input is never
 * modified). `state` may be undefined for a patient not seen yet. Events for another patient, of
 * an unknown type or with an unusable payload return the state unchanged.
 */
export function applyConsentEvent(state: ConsentState | undefined, envelope: ConsentEventLike): ConsentState {
  const current = state ?? emptyConsentState(envelope.key);
  if (current.ins !== envelope.key) return current;
  const payload: Payload = typeof envelope.payload === 'object' && envelope.payload !== null ? (envelope.payload as Payload) : {};
  const at = envelope.occurredAt;
  switch (envelope.type) {
    case T.RECORD_OPENED:
    case T.RECORD_REACTIVATED:
      // A late "opened" (older than the closure) leaves the record closed: last writer wins.
      return setRefusals(setRecordStatus(current, 'open', at), payload, at);
    case T.RECORD_CLOSED:
      return setRecordStatus(current, 'closed', at);
    case T.AUTHORISED:
    case T.AUTHORISATION_REVOKED: {
      const { rpps, finess } = granteeOf(payload);
      const authorised = envelope.type === T.AUTHORISED;
      return rpps !== undefined ? setProfessional(current, rpps, 'authorised', authorised, at) : setEstablishment(current, finess, authorised, at);
    }
    case T.PROFESSIONAL_BLOCKED:
    case T.PROFESSIONAL_UNBLOCKED:
      return setProfessional(current, stringField(payload, 'rpps'), 'blocked', envelope.type === T.PROFESSIONAL_BLOCKED, at);
    case T.TREATING_PHYSICIAN_DESIGNATED: {
      if (!isNewer(at, current.treatingPhysician.changedAt)) return current;
      const rpps = field(payload, 'rpps');
      if (rpps !== null && typeof rpps !== 'string') return current;
      return { ...current, treatingPhysician: { rpps: rpps === '' ? null : rpps, changedAt: at } };
    }
    case T.EMERGENCY_PREFERENCES_CHANGED:
    case T.EMERGENCY_CHOICES_CHANGED:
      return setRefusals(current, payload, at);
    case T.EMERGENCY_ACCESS_STARTED: {
      const window = emergencyWindowFrom(payload, at);
      return window === undefined ? current : openEmergencyAccess(current, window, at);
    }
    case T.ACCESSED: {
      const window = emergencyWindowFromAccess(payload, at);
      return window === undefined ? current : openEmergencyAccess(current, window, at);
    }
    default:
      return current;
  }
}
