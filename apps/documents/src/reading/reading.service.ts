import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessDecision, AccessRequester, decideAccess } from '@dmp/access-rules';
import { AccessedEvent, DocumentArchivedEvent, DocumentDeletedEvent, DocumentVisibilityChangedEvent, EventEnvelope, createEvent } from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { Actor, Role } from '@dmp/auth';
import { OutboxService } from '@dmp/messaging';
import { DomainException } from '@dmp/platform';
import { BLOB_STORE, BlobStore, lockBodies, sha256Hex } from '../blobs/blob-store';
import { DocumentEntity, DocumentStatus } from '../documents/document.entity';
import { PatientView, PatientsStore } from '../records/patients.store';
import { ChangeVisibilityBody, FetchDocumentQuery, ListDocumentsQuery } from './reading.dto';

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

/**
 * The requester the access rules see. A legal representative's token lists whom they represent
 * as of its issue; enrolment's events say who represents the patient now: both must agree
 * (a representative removed by representative-changed loses access at once).
 */
function requesterOf(actor: Actor, patient?: PatientView): AccessRequester {
  switch (actor.role) {
    case Role.PATIENT:
      return { role: 'patient', ins: actor.ins };
    case Role.LEGAL_REPRESENTATIVE: {
      const current = patient?.legalRepresentatives.includes(actor.ins) === true;
      return { role: 'legal-representative', ins: actor.ins, represents: actor.represents.filter((ins) => ins !== patient?.ins || current) };
    }
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

/**
 * The ids of a document's replacement chain: itself and, through replaces_document_id, every
 * document it replaced (a new version under a new id keeps its predecessor in the history).
 * $1 is the current document's id.
 */
const CHAIN_IDS = `WITH RECURSIVE chain(id) AS (
    SELECT $1::varchar
    UNION
    SELECT d.replaces_document_id FROM documents d JOIN chain c ON d.document_id = c.id WHERE d.replaces_document_id IS NOT NULL
  ) SELECT id FROM chain`;

/** The document's author: its professional, or the establishment that filed it. */
function isAuthor(actor: Actor, document: DocumentEntity): boolean {
  return (actor.role === Role.PROFESSIONAL && actor.rpps === document.authorRpps) || (actor.role === Role.ESTABLISHMENT && actor.finess === document.establishmentFiness);
}

function isPatient(actor: Actor, ins: Ins): boolean {
  return actor.role === Role.PATIENT && actor.ins === ins;
}

/**
 * A minor's legal representative manages the record for them: their token says whom they
 * represent and enrolment's events must say they still do (see requesterOf).
 */
function isActingRepresentative(actor: Actor, ins: Ins, patient: PatientView | undefined): boolean {
  return actor.role === Role.LEGAL_REPRESENTATIVE && actor.represents.includes(ins) && patient?.legalRepresentatives.includes(actor.ins) === true;
}

/** What a representative acts on must be something they may see: not kept from them, nor from the patient. */
function refuseHiddenFromRepresentative(document: DocumentEntity): void {
  if (document.invisibleToLegalRepresentatives || document.invisibleToPatient) {
    const reason = document.invisibleToLegalRepresentatives ? 'invisible to legal representatives' : 'invisible to the patient until explained';
    throw new DomainException('ACCESS_REFUSED', `the document is ${reason}`, 403, [{ field: 'documentId', reason }]);
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
        const decision = this.decide(actor, patient, document, mode, query.reason, at);
        events.push(this.accessEvent(actor, ins, document.documentId, document.type as DocumentType, decision, query.reason, at, correlationId));
        if (decision.granted) items.push(toView(document));
      }
      if (documents.length === 0) {
        // An empty page is still a look at the record: traced with the decision for the record itself.
        const decision = decideAccess({ requester: requesterOf(actor, patient), mode, reason: query.reason ?? null, at, target: { kind: 'document', type: DocumentType.CONSULT_NOTE, flags: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } } }, patient?.consentState);
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
      const decision = this.decide(actor, patient, document, mode, query.reason, at);
      await this.outbox.append(manager, this.accessEvent(actor, ins, documentId, document.type as DocumentType, decision, query.reason, at, correlationId));
      return { document, decision };
    });
    if (!outcome.decision.granted) {
      throw new DomainException('ACCESS_REFUSED', outcome.decision.reasons.join('; '), 403, [{ field: 'documentId', reason: outcome.decision.reasons[0] ?? 'refused' }]);
    }
    const body = await this.readVerified(outcome.document);
    return { ...toView(outcome.document), bodyBase64: body.toString('base64') };
  }

  /** Archive or delete, by the document's author (or its establishment), the patient or their legal representative. */
  async changeStatus(actor: Actor, ins: Ins, documentId: string, status: DocumentStatus.ARCHIVED | DocumentStatus.DELETED, correlationId: string): Promise<DocumentView> {
    return this.dataSource.transaction(async (manager) => {
      const document = await this.findDocument(manager, ins, documentId, undefined, true);
      const representative = actor.role === Role.LEGAL_REPRESENTATIVE && isActingRepresentative(actor, ins, await this.patients.find(manager, ins));
      if (!isAuthor(actor, document) && !isPatient(actor, ins) && !representative) {
        throw new DomainException('NOT_AUTHOR_OR_PATIENT', 'only the author, its establishment, the patient or their legal representative may archive or delete a document', 403);
      }
      if (representative) refuseHiddenFromRepresentative(document);
      if (document.status === status) return toView(document);
      const now = new Date();
      await manager.query(
        `UPDATE documents SET status = $3, changed_at = $4${status === DocumentStatus.DELETED ? ', current_id = NULL' : ''} WHERE document_id = $1 AND version = $2`,
        [document.documentId, document.version, status, now],
      );
      if (status === DocumentStatus.DELETED) await this.deleteBodies(manager, document.documentId, now);
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

  /**
   * Changes a document's visibility flags, each by whom the domain gives it to: masking from
   * professionals is the patient's choice; keeping it from the patient until explained is its
   * author's (professional or establishment); keeping it from the legal representatives is
   * either's (the author's judgement, or a minor's wish to keep their care to themselves).
   * Applies to every version of the document (the history must not show what the current
   * version hides); reads see the new flags as soon as this commits. A change to nothing
   * changes nothing and emits nothing (a retried request is harmless).
   */
  async changeVisibility(actor: Actor, ins: Ins, documentId: string, change: ChangeVisibilityBody, correlationId: string): Promise<DocumentView> {
    const requested = {
      maskedFromProfessionals: change.maskedFromProfessionals,
      invisibleToPatientUntilExplained: change.invisibleToPatientUntilExplained,
      invisibleToLegalRepresentatives: change.invisibleToLegalRepresentatives,
    };
    const fields = (Object.keys(requested) as Array<keyof typeof requested>).filter((k) => requested[k] !== undefined);
    if (fields.length === 0) {
      throw new DomainException('INVALID_VISIBILITY_CHANGE', 'give at least one of maskedFromProfessionals, invisibleToPatientUntilExplained, invisibleToLegalRepresentatives', 400, [
        { field: 'visibility', reason: 'at least one flag is required' },
      ]);
    }
    return this.dataSource.transaction(async (manager) => {
      const document = await this.findDocument(manager, ins, documentId, undefined, true);
      const author = isAuthor(actor, document);
      const patient = isPatient(actor, ins);
      const representative = actor.role === Role.LEGAL_REPRESENTATIVE && isActingRepresentative(actor, ins, await this.patients.find(manager, ins));
      if (!author && !patient && !representative) {
        throw new DomainException('NOT_AUTHOR_OR_PATIENT', 'only the author, its establishment, the patient or their legal representative may change the visibility of a document', 403);
      }
      if (representative) refuseHiddenFromRepresentative(document);
      // The representative masks for the patient; keeping a document from the representatives
      // stays the author's or the minor's own choice.
      const mayChange: Record<keyof typeof requested, boolean> = { maskedFromProfessionals: patient || representative, invisibleToPatientUntilExplained: author, invisibleToLegalRepresentatives: author || patient };
      const why: Record<keyof typeof requested, string> = {
        maskedFromProfessionals: 'only the patient or their legal representative may mask a document from professionals or unmask it',
        invisibleToPatientUntilExplained: 'only the author may keep a document from the patient until it is explained, or release it',
        invisibleToLegalRepresentatives: 'only the author or the patient may keep a document from the legal representatives',
      };
      const refused = fields.filter((f) => !mayChange[f]);
      if (refused.length > 0) {
        throw new DomainException('VISIBILITY_CHANGE_NOT_ALLOWED', refused.map((f) => `${f}: ${why[f]}`).join('; '), 403, refused.map((f) => ({ field: f, reason: why[f] })));
      }
      // The patient cannot act on a document they may not see yet (nor learn what it is).
      if (patient && !author && document.invisibleToPatient) {
        throw new DomainException('ACCESS_REFUSED', 'the document is invisible to the patient until it has been explained', 403, [{ field: 'documentId', reason: 'invisible to the patient until explained' }]);
      }
      const before = toView(document).visibility;
      const after = {
        maskedFromProfessionals: requested.maskedFromProfessionals ?? before.maskedFromProfessionals,
        invisibleToPatientUntilExplained: requested.invisibleToPatientUntilExplained ?? before.invisibleToPatientUntilExplained,
        invisibleToLegalRepresentatives: requested.invisibleToLegalRepresentatives ?? before.invisibleToLegalRepresentatives,
      };
      if (fields.every((f) => after[f] === before[f])) return toView(document);
      const now = new Date();
      await manager.query(
        `UPDATE documents SET masked_from_professionals = $2, invisible_to_patient = $3, invisible_to_legal_representatives = $4, changed_at = $5
         WHERE document_id IN (${CHAIN_IDS})`,
        [document.documentId, after.maskedFromProfessionals, after.invisibleToPatientUntilExplained, after.invisibleToLegalRepresentatives, now],
      );
      const by = accessorOf(actor);
      await this.outbox.append(
        manager,
        createEvent(
          DocumentVisibilityChangedEvent,
          { ins, documentId: document.documentId, visibility: after, by: { role: by.role, id: by.id }, changedAt: now.toISOString() },
          { producer: 'documents', correlationId, key: ins, occurredAt: now },
        ) as EventEnvelope<unknown>,
      );
      return toView({ ...document, maskedFromProfessionals: after.maskedFromProfessionals, invisibleToPatient: after.invisibleToPatientUntilExplained, invisibleToLegalRepresentatives: after.invisibleToLegalRepresentatives, changedAt: now });
    });
  }

  /**
   * A deleted document's bodies go, for every version of its chain (the metadata stays as
   * tombstone and history, marked body_deleted_at); a body another document (or a parked one)
   * still uses stays. Under the exclusive body locks, so that a filing of the same body in flight
   * either commits first (and is seen using it) or waits and stores it again.
   */
  private async deleteBodies(manager: EntityManager, documentId: string, now: Date): Promise<void> {
    const versions: Array<{ sha256: string }> = await manager.query(
      // Through a CTE: TypeORM returns [rows, count] for a bare UPDATE ... RETURNING.
      `WITH marked AS (UPDATE documents SET body_deleted_at = $2 WHERE document_id IN (${CHAIN_IDS}) AND body_deleted_at IS NULL RETURNING sha256) SELECT sha256 FROM marked`,
      [documentId, now],
    );
    const hashes = [...new Set(versions.map((v) => v.sha256))].sort();
    if (hashes.length === 0) return;
    await lockBodies(manager, hashes, 'exclusive');
    const unused: Array<{ sha256: string }> = await manager.query(
      `SELECT h AS sha256 FROM unnest($1::varchar[]) AS h
       WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = h AND d.body_deleted_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM parked_documents p WHERE p.sha256 = h)`,
      [hashes],
    );
    await this.blobs.remove(
      manager,
      unused.map((u) => u.sha256),
    );
  }

  private async findDocument(manager: EntityManager, ins: Ins, documentId: string, version?: number, lock = false): Promise<DocumentEntity> {
    const qb = manager.getRepository(DocumentEntity).createQueryBuilder('d').where('d.ins = :ins AND d.document_id = :documentId', { ins, documentId });
    if (version !== undefined) qb.andWhere('d.version = :version', { version });
    // The current version, or the tombstone of a deleted document (its last version, current_id cleared).
    else qb.andWhere('(d.current_id IS NOT NULL OR d.status = :deleted)', { deleted: DocumentStatus.DELETED });
    if (lock) qb.setLock('pessimistic_write');
    const document = await qb.getOne();
    if (!document) {
      throw new DomainException('DOCUMENT_NOT_FOUND', `no document ${documentId}${version ? ` version ${version}` : ''} for this patient`, 404, [{ field: 'documentId', reason: 'not found' }]);
    }
    // A deleted document (any version of it) is a tombstone: never served, never changed.
    if (document.status === DocumentStatus.DELETED || document.bodyDeletedAt !== null) {
      throw new DomainException('DOCUMENT_DELETED', `document ${documentId}${version ? ` version ${version}` : ''} was deleted`, 404, [{ field: 'documentId', reason: 'deleted' }]);
    }
    return document;
  }

  private decide(actor: Actor, patient: PatientView | undefined, document: DocumentEntity, mode: AccessMode, reason: string | undefined, at: Date): AccessDecision {
    return decideAccess(
      {
        requester: requesterOf(actor, patient),
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
      patient?.consentState,
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
