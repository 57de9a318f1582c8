import {
  ActorRef,
  ContactChangedEvent,
  Contacts,
  DependantAttachedEvent,
  EmergencyChoicesChangedEvent,
  EventEnvelope,
  IdentityChangedEvent,
  IdentityTraits,
  RecordClosedEvent,
  RecordOpenedEvent,
  RecordReactivatedEvent,
  RecordTransferredAtMajorityEvent,
  RepresentativeChangedEvent,
  createEvent,
} from '@dmp/contracts';
import { ActorRole, ClosureReason, CpamCode, Ins, IsoDate, OpeningChannel } from '@dmp/domain';
import { dayOf, isMinorOnDay } from './opening-rules';
import { RecordEntity } from './record.entity';

export const SERVICE_NAME = 'enrolment';

const ref = (role: ActorRole | string, id: string): ActorRef => {
  const actor = new ActorRef();
  actor.role = role as ActorRole;
  actor.id = id;
  return actor;
};

export function contactsOf(record: Pick<RecordEntity, 'email' | 'mobile'>): Contacts {
  const contacts = new Contacts();
  if (record.email) contacts.email = record.email;
  if (record.mobile) contacts.mobile = record.mobile;
  return contacts;
}

const consentBy = (record: RecordEntity): ActorRef =>
  ref(record.consentGivenBy === record.ins ? ActorRole.PATIENT : ActorRole.LEGAL_REPRESENTATIVE, record.consentGivenBy);

/** record-opened, plus dependant-attached for each representative of a minor's record. */
export function openingEvents(record: RecordEntity, correlationId: string): EventEnvelope[] {
  const ins = record.ins as Ins;
  const opts = { producer: SERVICE_NAME, correlationId, key: ins, occurredAt: record.openedAt };
  const openingActor = ref(record.openedByRole, record.openedById);
  const events: EventEnvelope[] = [
    createEvent(
      RecordOpenedEvent,
      {
        ins,
        channel: record.openingChannel as OpeningChannel,
        cpamCode: record.cpamCode as CpamCode,
        openingActor,
        openedAt: record.openedAt.toISOString(),
        consent: { by: consentBy(record), where: record.consentPlace, at: record.consentAt.toISOString() },
        emergency: { emergencyAccess: record.emergencyAccess, samuRegulationAccess: record.samuAccess },
        contacts: contactsOf(record),
        isMinor: isMinorOnDay(record.birthDate, dayOf(record.openedAt)),
        legalRepresentatives: record.legalRepresentatives.map((r) => ({ ins: r.ins, relationship: r.relationship })),
        identity: { familyName: record.familyName, givenNames: record.givenNames, birthDate: record.birthDate as IsoDate },
      },
      opts,
    ),
  ];
  for (const representative of record.legalRepresentatives) {
    events.push(
      createEvent(
        DependantAttachedEvent,
        { ins, representative: { ins: representative.ins, relationship: representative.relationship }, by: openingActor, attachedAt: record.openedAt.toISOString() },
        opts,
      ),
    );
  }
  return events;
}

interface ChangeContext {
  by: { role: string; id: string };
  at: Date;
  correlationId: string;
}
const options = (record: RecordEntity, ctx: ChangeContext) => ({ producer: SERVICE_NAME, correlationId: ctx.correlationId, key: record.ins, occurredAt: ctx.at });

export const recordClosed = (record: RecordEntity, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    RecordClosedEvent,
    {
      ins: record.ins as Ins,
      reason: record.closureReason as ClosureReason,
      effectiveDate: record.closureDate as IsoDate,
      closedAt: ctx.at.toISOString(),
      by: ref(ctx.by.role, ctx.by.id),
    },
    options(record, ctx),
  );

export const recordReactivated = (record: RecordEntity, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    RecordReactivatedEvent,
    {
      ins: record.ins as Ins,
      consent: { by: consentBy(record), where: record.consentPlace, at: record.consentAt.toISOString() },
      by: ref(ctx.by.role, ctx.by.id),
      reactivatedAt: ctx.at.toISOString(),
    },
    options(record, ctx),
  );

export const contactChanged = (record: RecordEntity, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    ContactChangedEvent,
    { ins: record.ins as Ins, contacts: contactsOf(record), by: ref(ctx.by.role, ctx.by.id), changedAt: ctx.at.toISOString() },
    options(record, ctx),
  );

export const emergencyChoicesChanged = (record: RecordEntity, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    EmergencyChoicesChangedEvent,
    {
      ins: record.ins as Ins,
      emergency: { emergencyAccess: record.emergencyAccess, samuRegulationAccess: record.samuAccess },
      by: ref(ctx.by.role, ctx.by.id),
      changedAt: ctx.at.toISOString(),
    },
    options(record, ctx),
  );

export const identityChanged = (record: RecordEntity, changed: IdentityTraits, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    IdentityChangedEvent,
    { ins: record.ins as Ins, identity: changed, by: ref(ctx.by.role, ctx.by.id), changedAt: ctx.at.toISOString() },
    options(record, ctx),
  );

export const representativeChanged = (record: RecordEntity, ctx: ChangeContext): EventEnvelope =>
  createEvent(
    RepresentativeChangedEvent,
    {
      ins: record.ins as Ins,
      legalRepresentatives: record.legalRepresentatives.map((r) => ({ ins: r.ins, relationship: r.relationship })),
      by: ref(ctx.by.role, ctx.by.id),
      changedAt: ctx.at.toISOString(),
    },
    options(record, ctx),
  );

export const dependantAttached = (record: RecordEntity, representative: RecordEntity['legalRepresentatives'][number], ctx: ChangeContext): EventEnvelope =>
  createEvent(
    DependantAttachedEvent,
    {
      ins: record.ins as Ins,
      representative: { ins: representative.ins, relationship: representative.relationship },
      by: ref(ctx.by.role, ctx.by.id),
      attachedAt: ctx.at.toISOString(),
    },
    options(record, ctx),
  );

export const transferredAtMajority = (record: RecordEntity, former: Ins[], ctx: ChangeContext): EventEnvelope =>
  createEvent(
    RecordTransferredAtMajorityEvent,
    { ins: record.ins as Ins, formerRepresentatives: former, contacts: contactsOf(record), transferredAt: ctx.at.toISOString() },
    options(record, ctx),
  );
