import { randomUUID } from 'node:crypto';
import {
  AccessedEvent,
  createEvent,
  DocumentAddedEvent,
  DocumentReplacedEvent,
  EventDefinition,
  EventEnvelope,
  FileImportedEvent,
  FileImportStatus,
  NotificationSentEvent,
  RecordOpenedEvent,
} from '@dmp/contracts';
import {
  AccessMode,
  AccessTargetKind,
  ActorRole,
  CpamCode,
  DocumentFormat,
  DocumentType,
  EstablishmentCategory,
  establishmentKindOf,
  Finess,
  Ins,
  NotificationChannel,
  NotificationTrigger,
  OpeningChannel,
  Profession,
  ReimbursementFileKind,
  Rpps,
  SourceCategory,
  sourceCategoryOfEstablishment,
} from '@dmp/domain';

/** Builders of valid analytics input events (validated on creation, as the producers do). */
type Envelope = EventEnvelope<unknown>;

function make<P extends object>(definition: EventDefinition<P>, payload: P, at: string): Envelope {
  return createEvent(definition, payload, { producer: 'test', correlationId: randomUUID(), occurredAt: at, validate: true }) as Envelope;
}

const SHA = 'a'.repeat(64);
const VISIBILITY = { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false };

export function recordOpened(ins: Ins, cpam: string, openedAt: string): Envelope {
  return make(
    RecordOpenedEvent,
    {
      ins,
      channel: OpeningChannel.CPAM_COUNTER,
      cpamCode: cpam as CpamCode,
      openingActor: { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
      openedAt,
      consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'counter', at: openedAt },
      emergency: { emergencyAccess: true, samuRegulationAccess: true },
      contacts: { email: 'patient@example.org' },
      isMinor: false,
      legalRepresentatives: [],
    },
    openedAt,
  );
}

export interface DocumentOptions {
  ins: Ins;
  documentId?: string;
  at: string;
  type?: DocumentType;
  establishment?: { finess: Finess; category: EstablishmentCategory };
  author?: { rpps: Rpps; profession: Profession };
}

/** A document fed by an establishment (with its author), a liberal professional, or the patient (neither). */
export function documentAdded(o: DocumentOptions): Envelope {
  const sourceCategory = o.establishment
    ? sourceCategoryOfEstablishment(establishmentKindOf[o.establishment.category])
    : o.author
      ? SourceCategory.LIBERAL_PROFESSIONAL
      : SourceCategory.PATIENT;
  return make(
    DocumentAddedEvent,
    {
      ins: o.ins,
      documentId: o.documentId ?? randomUUID(),
      version: 1,
      type: o.type ?? (sourceCategory === SourceCategory.PATIENT ? DocumentType.PATIENT_ADDED : DocumentType.DISCHARGE_SUMMARY),
      format: DocumentFormat.PDF,
      title: 'a document',
      sourceCategory,
      ...(o.author ? { author: o.author } : {}),
      ...(o.establishment ? { establishment: { ...o.establishment, kind: establishmentKindOf[o.establishment.category] } } : {}),
      addedBy: o.establishment
        ? { role: ActorRole.ESTABLISHMENT, id: o.establishment.finess }
        : o.author
          ? { role: ActorRole.PROFESSIONAL, id: o.author.rpps }
          : { role: ActorRole.PATIENT, id: o.ins },
      sha256: SHA,
      sizeBytes: 10,
      visibility: VISIBILITY,
      authoredAt: o.at,
      addedAt: o.at,
    },
    o.at,
  );
}

export function documentReplaced(o: DocumentOptions & { documentId: string; version: number }): Envelope {
  const sourceCategory = o.establishment ? sourceCategoryOfEstablishment(establishmentKindOf[o.establishment.category]) : SourceCategory.LIBERAL_PROFESSIONAL;
  return make(
    DocumentReplacedEvent,
    {
      ins: o.ins,
      documentId: o.documentId,
      replacedDocumentId: o.documentId,
      version: o.version,
      type: o.type ?? DocumentType.DISCHARGE_SUMMARY,
      format: DocumentFormat.PDF,
      title: 'a document, corrected',
      sourceCategory,
      ...(o.author ? { author: o.author } : {}),
      ...(o.establishment ? { establishment: { ...o.establishment, kind: establishmentKindOf[o.establishment.category] } } : {}),
      sha256: 'b'.repeat(64),
      previousSha256: SHA,
      sizeBytes: 11,
      by: { role: ActorRole.PROFESSIONAL, id: o.author?.rpps ?? '10000000009' },
      replacedAt: o.at,
    },
    o.at,
  );
}

export function accessed(ins: Ins, accessor: { role: ActorRole; id: string; profession?: Profession }, at: string, granted = true): Envelope {
  return make(
    AccessedEvent,
    {
      accessId: randomUUID(),
      ins,
      accessor,
      mode: AccessMode.NORMAL,
      target: { kind: AccessTargetKind.DOCUMENT, id: 'doc-1', documentType: DocumentType.DISCHARGE_SUMMARY },
      granted,
      reasons: [granted ? 'authorised' : 'not-authorised'],
      rulesVersion: '1',
      at,
    },
    at,
  );
}

export function notificationSent(ins: Ins, channel: NotificationChannel, trigger: NotificationTrigger, at: string): Envelope {
  return make(
    NotificationSentEvent,
    { notificationId: randomUUID(), ins, trigger, channel, dedupKey: `${trigger}:${randomUUID()}`, sentAt: at },
    at,
  );
}

export function fileImported(fileId: string, kind: ReimbursementFileKind, imported: number, duplicates: number, completedAt: string, status = FileImportStatus.COMPLETED): Envelope {
  return make(
    FileImportedEvent,
    {
      fileId,
      kind,
      status,
      counts: { read: imported + duplicates + 1, imported, duplicates, rejected: 1, unknownPatient: 0, outOfWindow: 0 },
      startedAt: completedAt,
      completedAt,
    },
    completedAt,
  );
}
