import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessDecision, AccessRequester, decideAccess } from '@dmp/access-rules';
import { AccessedEvent, DocumentArchivedEvent, DocumentDeletedEvent, EventEnvelope, createEvent } from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { Actor, Role } from '@dmp/auth';
import { OutboxService } from '@dmp/messaging';
import { DomainException } from '@dmp/platform';
import { BLOB_STORE, BlobStore, sha256Hex } from '../blobs/blob-store';
import { DocumentEntity, DocumentStatus } from '../documents/document.entity';
import { PatientsStore } from '../records/patients.store';
import { FetchDocumentQuery, ListDocumentsQuery } from './reading.dto';

export interface DocumentView {
  documentId: string;
  version: number;
  status: string;
  type: string;
  format: string;
  title: string;
  author: { rpps: string | null; profession: string | null; name: string | null };
  establishment: { finess: string | null; kind: string | null; category: string | null };
  sourceCategory: string;
  authoredAt: string;
  serviceStart: string | null;
  serviceEnd: string | null;
  sha256: string;
  sizeBytes: number;
  visibility: { maskedFromProfessionals: boolean; invisibleToPatientUntilExplained: boolean; invisibleToLegalRepresentatives: boolean };
  replacesDocumentId: string | null;
  addedAt: string;
}

export function toView(d: DocumentEntity): DocumentView {
  return {
    documentId: d.documentId,
    version: d.version,
    status: d.status,
    type: d.type,
    format: d.format,
    title: d.title,
    author: { rpps: d.authorRpps, profession: d.authorProfession, name: d.authorName },
    establishment: { finess: d.establishmentFiness, kind: d.establishmentKind, category: d.establishmentCategory },
    sourceCategory: d.sourceCategory,
    authoredAt: d.authoredAt.toISOString(),
    serviceStart: d.serviceStart,
    serviceEnd: d.serviceEnd,
    sha256: d.sha256,
    sizeBytes: d.sizeBytes,
    visibility: { maskedFromProfessionals: d.maskedFromProfessionals, invisibleToPatientUntilExplained: d.invisibleToPatient, invisibleToLegalRepresentatives: d.invisibleToLegalRepresentatives },
    replacesDocumentId: d.replacesDocumentId,
    addedAt: d.addedAt.toISOString(),
  };
}

function requesterOf(actor: Actor): AccessRequester {
  switch (actor.role) {
    case Role.PATIENT:
      return { role: 'patient', ins: actor.ins };
    case Role.LEGAL_REPRESENTATIVE:
      return { role: 'legal-representative', ins: actor.ins, represents: actor.represents };
    case Role.PROFESSIONAL:
      return { role: 'professional', rpps: actor.rpps, profession: actor.profession, finess: actor.finess ?? null };
    case Role.ESTABLISHMENT:
      return { role: 'establishment', finess: actor.finess };
    default:
      return { role: actor.role };
  }
}

function accessorOf(actor: Actor): { role: ActorRole; id: string; profession?: never; finess?: never } {
  switch (actor.role) {
    case Role.PATIENT:
    case Role.LEGAL_REPRESENTATIVE:
      return { role: actor.role, id: actor.ins };
    case Role.PROFESSIONAL:
      return { role: actor.role, id: actor.rpps, ...({ profession: actor.profession, ...(actor.finess ? { finess: actor.finess } : {}) } as object) };
    case Role.ESTABLISHMENT:
    case Role.PHARMACY:
      return { role: actor.role, id: actor.finess };
    default:
      return { role: actor.role, id: 'unknown' };
  }
}

export interface ListPage {
  items: DocumentView[];
  /** Documents of the page the requester may not see (counted, not shown). */
  refused: number;
  limit: number;
  offset: number;
}

/**
 * Reads decided by @dmp/access-rules on the consent state kept from events; every decision,
 * granted or refused, is written as an access event to the outbox (committed even when refused).
 */
@Injectable()
export class ReadingService {
  private readonly logger = new Logger(ReadingService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly patients: PatientsStore,
    private readonly outbox: OutboxService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  async list(actor: Actor, ins: Ins, query: ListDocumentsQuery, correlationId: string): Promise<ListPage> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const mode = query.mode ?? AccessMode.NORMAL;
    return this.dataSource.transaction(async (manager) => {
      const patient = await this.patients.find(manager, ins);
      const qb = manager
        .getRepository(DocumentEntity)
        .createQueryBuilder('d')
        .where('d.ins = :ins', { ins })
        .andWhere('d.current_id IS NOT NULL')
        .andWhere('d.status IN (:...statuses)', { statuses: [DocumentStatus.ACTIVE, DocumentStatus.ARCHIVED] });
      if (query.type) qb.andWhere('d.type = :type', { type: query.type });
      if (query.from) qb.andWhere('d.authored_at >= :from::date', { from: query.from });
      if (query.to) qb.andWhere("d.authored_at < (:to::date + interval '1 day')", { to: query.to });
      if (query.author) qb.andWhere('d.author_rpps = :author', { author: query.author });
      if (query.establishment) qb.andWhere('d.establishment_finess = :establishment', { establishment: query.establishment });
      const documents = await qb.orderBy('d.authored_at', 'DESC').addOrderBy('d.document_id').limit(limit).offset(offset).getMany();
      const events: EventEnvelope<unknown>[] = [];
      const items: DocumentView[] = [];
      const at = new Date();
      for (const document of documents) {
        const decision = this.decide(actor, patient?.consentState, document, mode, query.reason, at);
        events.push(this.accessEvent(actor, ins, document.documentId, document.type as DocumentType, decision, query.reason, at, correlationId));
        if (decision.granted) items.push(toView(document));
      }
      if (documents.length === 0) {
        // An empty page is still a look at the record: traced with the decision for the record itself.
        const decision = decideAccess({ requester: requesterOf(actor), mode, reason: query.reason ?? null, at, target: { kind: 'document', type: DocumentType.CONSULT_NOTE, flags: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } } }, patient?.consentState);
        events.push(this.accessEvent(actor, ins, 'list', undefined, decision, query.reason, at, correlationId));
      }
      await this.outbox.append(manager, events);
      return { items, refused: documents.length - items.length, limit, offset };
    });
  }

  async fetch(actor: Actor, ins: Ins, documentId: string, query: FetchDocumentQuery, correlationId: string): Promise<DocumentView & { bodyBase64: string }> {
    const mode = query.mode ?? AccessMode.NORMAL;
    const outcome = await this.dataSource.transaction(async (manager) => {
      const document = await this.findDocument(manager, ins, documentId, query.version);
      const patient = await this.patients.find(manager, ins);
      const at = new Date();
      const decision = this.decide(actor, patient?.consentState, document, mode, query.reason, at);
      await this.outbox.append(manager, this.accessEvent(actor, ins, documentId, document.type as DocumentType, decision, query.reason, at, correlationId));
      return { document, decision };
    });
    if (!outcome.decision.granted) {
      throw new DomainException('ACCESS_REFUSED', outcome.decision.reasons.join('; '), 403, [{ field: 'documentId', reason: outcome.decision.reasons[0] ?? 'refused' }]);
    }
    const body = await this.readVerified(outcome.document);
    return { ...toView(outcome.document), bodyBase64: body.toString('base64') };
  }

  /** Archive or delete, by the document's author (or its establishment) or the patient. */
  async changeStatus(actor: Actor, ins: Ins, documentId: string, status: DocumentStatus.ARCHIVED | DocumentStatus.DELETED, correlationId: string): Promise<DocumentView> {
    return this.dataSource.transaction(async (manager) => {
      const document = await this.findDocument(manager, ins, documentId, undefined, true);
      const mayChange =
        (actor.role === Role.PATIENT && actor.ins === ins) ||
        (actor.role === Role.PROFESSIONAL && actor.rpps === document.authorRpps) ||
        (actor.role === Role.ESTABLISHMENT && actor.finess === document.establishmentFiness);
      if (!mayChange) throw new DomainException('NOT_AUTHOR_OR_PATIENT', 'only the author, its establishment or the patient may archive or delete a document', 403);
      if (document.status === DocumentStatus.DELETED) throw new DomainException('DOCUMENT_DELETED', `document ${documentId} is deleted`, 409);
      if (document.status === status) return toView(document);
      const now = new Date();
      await manager.query(
        `UPDATE documents SET status = $3, changed_at = $4${status === DocumentStatus.DELETED ? ', current_id = NULL' : ''} WHERE document_id = $1 AND version = $2`,
        [document.documentId, document.version, status, now],
      );
      const by = accessorOf(actor);
      const base = { ins, documentId, type: document.type as DocumentType, sourceCategory: document.sourceCategory as SourceCategory, by: { role: by.role, id: by.id } };
      const options = { producer: 'documents', correlationId, key: ins, occurredAt: now };
      await this.outbox.append(
        manager,
        (status === DocumentStatus.ARCHIVED
          ? createEvent(DocumentArchivedEvent, { ...base, archivedAt: now.toISOString() }, options)
          : createEvent(DocumentDeletedEvent, { ...base, deletedAt: now.toISOString() }, options)) as EventEnvelope<unknown>,
      );
      return toView({ ...document, status, changedAt: now });
    });
  }

  private async findDocument(manager: EntityManager, ins: Ins, documentId: string, version?: number, lock = false): Promise<DocumentEntity> {
    const qb = manager.getRepository(DocumentEntity).createQueryBuilder('d').where('d.ins = :ins AND d.document_id = :documentId', { ins, documentId });
    if (version !== undefined) qb.andWhere('d.version = :version', { version });
    else qb.andWhere('d.current_id IS NOT NULL');
    if (lock) qb.setLock('pessimistic_write');
    const document = await qb.getOne();
    if (!document || (document.status === DocumentStatus.DELETED && version === undefined)) {
      throw new DomainException('DOCUMENT_NOT_FOUND', `no document ${documentId}${version ? ` version ${version}` : ''} for this patient`, 404, [{ field: 'documentId', reason: 'not found' }]);
    }
    return document;
  }

  private decide(actor: Actor, state: Parameters<typeof decideAccess>[1], document: DocumentEntity, mode: AccessMode, reason: string | undefined, at: Date): AccessDecision {
    return decideAccess(
      {
        requester: requesterOf(actor),
        mode,
        reason: reason ?? null,
        at,
        target: {
          kind: 'document',
          type: document.type,
          authorRpps: document.authorRpps,
          authorFiness: document.establishmentFiness,
          flags: { maskedFromProfessionals: document.maskedFromProfessionals, invisibleToPatientUntilExplained: document.invisibleToPatient, invisibleToLegalRepresentatives: document.invisibleToLegalRepresentatives },
        },
      },
      state,
    );
  }

  private accessEvent(actor: Actor, ins: Ins, targetId: string, documentType: DocumentType | undefined, decision: AccessDecision, reason: string | undefined, at: Date, correlationId: string): EventEnvelope<unknown> {
    return createEvent(
      AccessedEvent,
      {
        accessId: randomUUID(),
        ins,
        accessor: accessorOf(actor),
        mode: decision.mode as AccessMode,
        target: { kind: AccessTargetKind.DOCUMENT, id: targetId, ...(documentType ? { documentType } : {}) },
        granted: decision.granted,
        reasons: decision.reasons,
        rulesVersion: decision.rulesVersion,
        ...(reason && decision.mode !== AccessMode.NORMAL ? { emergencyReason: reason } : {}),
        at: at.toISOString(),
        ...(decision.expiresAt ? { expiresAt: decision.expiresAt.toISOString() } : {}),
      },
      { producer: 'documents', correlationId, key: ins, occurredAt: at },
    ) as EventEnvelope<unknown>;
  }

  /** The body, only if it still hashes to what was stored: a mismatch is never served. */
  private async readVerified(document: DocumentEntity): Promise<Buffer> {
    const body = await this.blobs.get(this.dataSource.manager, document.sha256);
    if (body === undefined || sha256Hex(body) !== document.sha256) {
      this.logger.error(
        `INTEGRITY ERROR: body of document ${document.documentId} version ${document.version} (${this.blobs.kind} store) ${body === undefined ? 'is missing' : `hashes to ${sha256Hex(body)}`}, expected ${document.sha256}; not served`,
      );
      throw new DomainException('BLOB_INTEGRITY_ERROR', 'the stored body of this document failed its integrity check; it is not served and operators were alerted', 500);
    }
    return body;
  }
}
