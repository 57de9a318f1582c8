import { ConsentState, EmergencyAccessWindow, ProfessionalStatus, emptyConsentState } from './consent-state';

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
  PROFESSIONAL_AUTHORISED: 'consent.professional-authorised',
  PROFESSIONAL_AUTHORISATION_REVOKED: 'consent.professional-authorisation-revoked',
  PROFESSIONAL_BLOCKED: 'consent.professional-blocked',
  PROFESSIONAL_UNBLOCKED: 'consent.professional-unblocked',
  ESTABLISHMENT_AUTHORISED: 'consent.establishment-authorised',
  ESTABLISHMENT_AUTHORISATION_REVOKED: 'consent.establishment-authorisation-revoked',
  TREATING_PHYSICIAN_DESIGNATED: 'consent.treating-physician-designated',
  EMERGENCY_ACCESS_PREFERENCES_CHANGED: 'consent.emergency-access-preferences-changed',
  EMERGENCY_ACCESS_OPENED: 'consent.emergency-access-opened',
  ACCESSED: 'access.accessed',
} as const;

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

function setProfessional(state: ConsentState, rpps: string | undefined, status: ProfessionalStatus, at: string): ConsentState {
  if (rpps === undefined) return state;
  const current = Object.hasOwn(state.professionals, rpps) ? state.professionals[rpps] : undefined;
  if (current !== undefined && !isNewer(at, current.changedAt)) return state;
  return { ...state, professionals: { ...state.professionals, [rpps]: { status, changedAt: at } } };
}

function setEstablishment(state: ConsentState, finess: string | undefined, authorised: boolean, at: string): ConsentState {
  if (finess === undefined) return state;
  const current = Object.hasOwn(state.establishments, finess) ? state.establishments[finess] : undefined;
  if (current !== undefined && !isNewer(at, current.changedAt)) return state;
  return { ...state, establishments: { ...state.establishments, [finess]: { authorised, changedAt: at } } };
}

function setRefusals(state: ConsentState, payload: Payload, at: string): ConsentState {
  let next = state;
  const emergency = field(payload, 'emergencyAccessRefused');
  if (typeof emergency === 'boolean' && isNewer(at, state.emergencyAccessRefused.changedAt)) {
    next = { ...next, emergencyAccessRefused: { refused: emergency, changedAt: at } };
  }
  const samu = field(payload, 'samuAccessRefused');
  if (typeof samu === 'boolean' && isNewer(at, state.samuAccessRefused.changedAt)) {
    next = { ...next, samuAccessRefused: { refused: samu, changedAt: at } };
  }
  return next;
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

function emergencyWindowFrom(payload: Payload, at: string): (EmergencyAccessWindow & { rpps: string }) | undefined {
  const rpps = stringField(payload, 'rpps');
  const mode = field(payload, 'mode');
  const expiresAt = stringField(payload, 'expiresAt');
  if (rpps === undefined || expiresAt === undefined || (mode !== 'emergency' && mode !== 'samu-regulation')) return undefined;
  return { rpps, mode, reason: stringField(payload, 'reason') ?? '', openedAt: stringField(payload, 'openedAt') ?? at, expiresAt };
}

/** An access event opens a window when it was a granted emergency or SAMU access. */
function emergencyWindowFromAccess(payload: Payload, at: string): (EmergencyAccessWindow & { rpps: string }) | undefined {
  if (field(payload, 'granted') !== true) return undefined;
  const requester = field(payload, 'requester');
  const rpps = typeof requester === 'object' && requester !== null ? (requester as Payload)['rpps'] : undefined;
  const mode = field(payload, 'mode');
  const expiresAt = stringField(payload, 'expiresAt');
  if (typeof rpps !== 'string' || expiresAt === undefined || (mode !== 'emergency' && mode !== 'samu-regulation')) return undefined;
  return { rpps, mode, reason: stringField(payload, 'reason') ?? '', openedAt: stringField(payload, 'accessedAt') ?? at, expiresAt };
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
    case T.RECORD_OPENED: {
      // Closure is final for that record: a late "opened" never reopens a closed record.
      if (current.record.status === 'closed' || !isNewer(at, current.record.changedAt)) return setRefusals(current, payload, at);
      return setRefusals({ ...current, record: { status: 'open', changedAt: at } }, payload, at);
    }
    case T.RECORD_CLOSED:
      return { ...current, record: { status: 'closed', changedAt: at } };
    case T.PROFESSIONAL_AUTHORISED:
      return setProfessional(current, stringField(payload, 'rpps'), 'authorised', at);
    case T.PROFESSIONAL_AUTHORISATION_REVOKED:
    case T.PROFESSIONAL_UNBLOCKED:
      return setProfessional(current, stringField(payload, 'rpps'), 'none', at);
    case T.PROFESSIONAL_BLOCKED:
      return setProfessional(current, stringField(payload, 'rpps'), 'blocked', at);
    case T.ESTABLISHMENT_AUTHORISED:
      return setEstablishment(current, stringField(payload, 'finess'), true, at);
    case T.ESTABLISHMENT_AUTHORISATION_REVOKED:
      return setEstablishment(current, stringField(payload, 'finess'), false, at);
    case T.TREATING_PHYSICIAN_DESIGNATED: {
      if (!isNewer(at, current.treatingPhysician.changedAt)) return current;
      const rpps = field(payload, 'rpps');
      if (rpps !== null && typeof rpps !== 'string') return current;
      return { ...current, treatingPhysician: { rpps: rpps === '' ? null : rpps, changedAt: at } };
    }
    case T.EMERGENCY_ACCESS_PREFERENCES_CHANGED:
      return setRefusals(current, payload, at);
    case T.EMERGENCY_ACCESS_OPENED: {
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
