import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  DocumentAddedEvent,
  DocumentRejectedEvent,
  DocumentReplacedEvent,
  DocumentSubmissionResult,
  DocumentSubmissionResultsEvent,
  EstablishmentRef,
  EventEnvelope,
  SubmissionOutcome,
  createEvent,
} from '@dmp/contracts';
import { ActorRole, Finess, SourceCategory, establishmentKindOf } from '@dmp/domain';
import { OutboxService } from '@dmp/messaging';
import { SERVICE_CONFIG } from '@dmp/platform';
import { BLOB_STORE, BlobStore } from '../blobs/blob-store';
import { DocumentsConfig } from '../config';
import { DocumentStatus } from '../documents/document.entity';
import { PatientsStore } from '../records/patients.store';
import { FeedingContext, feedingRefusal } from './feeding-rights';
import { FilingItem, ParkedSubmission, SubmissionWay } from './filing';
import { feederOf, sourceCategoryOf } from './sources';
import { SubmissionLimits, submissionLimits } from './submission-limits';
import { validateDocument } from './validate-document';

const PRODUCER = 'documents';

/** One submission as either way in delivers it. */
export interface SubmissionInput {
  submissionId: string;
  /** Absent for a liberal professional or the patient side: addedBy says who feeds. */
  establishment?: EstablishmentRef;
  documents: unknown[];
  way: SubmissionWay;
  addedBy: { role: ActorRole; id: string };
  correlationId: string;
  /** Multipart uploads: the bodies by document index (their metadata has no bodyBase64). */
  bodies?: Map<number, Buffer>;
}

export interface SubmissionAnswer {
  submissionId: string;
  results: DocumentSubmissionResult[];
  submissionRejectedReason?: string;
}

interface StoredVersion {
  documentId: string;
  version: number;
  ins: string;
  sha256: string;
  current: boolean;
  status: string;
  type: string;
  authorRpps: string | null;
  establishmentFiness: string | null;
  sourceCategory: string;
}

interface Rejection {
  submissionId: string;
  establishment?: EstablishmentRef;
  index: number;
  documentId?: string;
  ins?: string;
  type?: string;
  sourceCategory: SourceCategory;
  reasons: string[];
}

/** Everything one batch writes, flushed in a few multi-row statements at the end. */
class BatchWrites {
  readonly documents: Record<string, unknown>[] = [];
  readonly deprecations: Array<{ documentId: string; version: number }> = [];
  readonly parked: Array<{ ins: string; documentId: string; sha256: string; submission: ParkedSubmission; deadline: Date }> = [];
  readonly blobs = new Map<string, Buffer>();
  readonly events: EventEnvelope<unknown>[] = [];
  /** finess is absent for professionals and the patient side: they have no results topic, only the HTTP answer. */
  readonly results = new Map<string, { way: SubmissionWay; finess?: string; correlationId: string; results: DocumentSubmissionResult[] }>();
}

/**
 * The one pipeline behind both ways in: each document is checked on its own, then, in the
 * caller's transaction, filed (or found a duplicate, or parked until its record opens, or
 * refused), with its events and the submission's answer written to the outbox in that same
 * transaction. Multiple instances are safe: the unique current-version index and the parked
 * document-id index make a concurrent double filing fail (and the batch retry), never store twice.
 */
@Injectable()
export class SubmissionPipeline {
  private readonly limits: SubmissionLimits;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: DocumentsConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly outbox: OutboxService,
    private readonly patients: PatientsStore,
  ) {
    this.limits = submissionLimits(config);
  }

  async submit(manager: EntityManager, inputs: SubmissionInput[]): Promise<SubmissionAnswer[]> {
    const now = new Date();
    const writes = new BatchWrites();
    const answers: SubmissionAnswer[] = [];
    const items: FilingItem[] = [];
    const rejections: Rejection[] = [];
    for (const input of inputs) {
      const answer: SubmissionAnswer = { submissionId: input.submissionId, results: [] };
      answers.push(answer);
      writes.results.set(input.submissionId, { way: input.way, finess: input.establishment?.finess, correlationId: input.correlationId, results: answer.results });
      const sourceCategory = sourceCategoryOf(input.addedBy, input.establishment);
      const kind = input.establishment && establishmentKindOf[input.establishment.category];
      if (input.establishment && kind !== input.establishment.kind) {
        answer.submissionRejectedReason = `establishment.kind: a ${input.establishment.category} is a ${kind} establishment, not ${input.establishment.kind}`;
        input.documents.forEach((item, index) => {
          const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['documentId'] : undefined;
          rejections.push({ submissionId: input.submissionId, establishment: input.establishment, index, documentId: typeof id === 'string' ? id.slice(0, 128) : undefined, sourceCategory, reasons: [answer.submissionRejectedReason ?? ''] });
        });
        continue;
      }
      input.documents.forEach((item, index) => {
        const check = validateDocument(item, index, this.limits, now, input.bodies?.get(index), feederOf(input.addedBy));
        if (!check.ok) {
          rejections.push({ submissionId: input.submissionId, establishment: input.establishment, index, documentId: check.documentId, ins: check.ins, type: check.type, sourceCategory, reasons: check.reasons });
          return;
        }
        items.push({ metadata: check.metadata, sha256: check.sha256, body: check.body, establishment: input.establishment, submissionId: input.submissionId, index, way: input.way, addedBy: input.addedBy, correlationId: input.correlationId });
      });
    }
    for (const rejection of rejections) this.reject(writes, rejection, now, inputs.find((i) => i.submissionId === rejection.submissionId)?.correlationId ?? randomUUID());
    await this.file(manager, writes, items, now, true);
    await this.flush(manager, writes);
    return answers;
  }

  /**
   * Files documents whose record status is now known (parked ones being released). Their bodies
   * are already stored. Returns nothing: the answers go out as submission-results events.
   */
  async release(manager: EntityManager, parked: Array<{ sha256: string; submission: ParkedSubmission }>): Promise<void> {
    const now = new Date();
    const writes = new BatchWrites();
    const items: FilingItem[] = parked.map((p) => ({ ...p.submission, sha256: p.sha256 }));
    for (const item of items) {
      if (!writes.results.has(item.submissionId)) writes.results.set(item.submissionId, { way: 'kafka', finess: item.establishment?.finess, correlationId: item.correlationId, results: [] });
    }
    await this.file(manager, writes, items, now, false);
    await this.flush(manager, writes);
  }

  /** Parked documents whose wait is over: refused with the reason. */
  async expire(manager: EntityManager, parked: Array<{ submission: ParkedSubmission }>, waitedMs: number): Promise<void> {
    const now = new Date();
    const writes = new BatchWrites();
    for (const { submission } of parked) {
      if (!writes.results.has(submission.submissionId)) writes.results.set(submission.submissionId, { way: 'kafka', finess: submission.establishment?.finess, correlationId: submission.correlationId, results: [] });
      this.reject(
        writes,
        {
          submissionId: submission.submissionId,
          establishment: submission.establishment,
          index: submission.index,
          documentId: submission.metadata.documentId,
          ins: submission.metadata.ins,
          type: submission.metadata.type,
          sourceCategory: sourceCategoryOf(submission.addedBy, submission.establishment),
          reasons: [`ins: no open DMP for this patient: the record's opening was not received within ${Math.round(waitedMs / 1000)} s of the document's arrival`],
        },
        now,
        submission.correlationId,
      );
    }
    await this.flush(manager, writes);
  }

  private async file(manager: EntityManager, writes: BatchWrites, items: FilingItem[], now: Date, mayPark: boolean): Promise<void> {
    if (items.length === 0) return;
    const insList = [...new Set(items.map((i) => i.metadata.ins))];
    const ids = [...new Set(items.flatMap((i) => (i.metadata.replaces ? [i.metadata.documentId, i.metadata.replaces] : [i.metadata.documentId])))];
    // A share lock on each patient's row: a record event (which takes the row for update and
    // releases that patient's parked documents) waits for this batch, or this batch sees its result.
    const patients = await this.patients.lockShared(manager, insList);
    const [stored, parked] = await Promise.all([
      manager.query(
        'SELECT document_id, version, ins, sha256, current_id IS NOT NULL AS current, status, type, author_rpps, establishment_finess, source_category FROM documents WHERE document_id = ANY($1)',
        [ids],
      ) as Promise<Array<{ document_id: string; version: number; ins: string; sha256: string; current: boolean; status: string; type: string; author_rpps: string | null; establishment_finess: string | null; source_category: string }>>,
      manager.query('SELECT document_id, sha256 FROM parked_documents WHERE document_id = ANY($1)', [ids]) as Promise<Array<{ document_id: string; sha256: string }>>,
    ]);
    const status = patients;
    const feeding = await this.feedingContexts(manager, items);
    const versions = new Map<string, StoredVersion[]>();
    for (const row of stored) {
      const list = versions.get(row.document_id) ?? [];
      list.push({
        documentId: row.document_id,
        version: row.version,
        ins: row.ins,
        sha256: row.sha256,
        current: row.current,
        status: row.status,
        type: row.type,
        authorRpps: row.author_rpps,
        establishmentFiness: row.establishment_finess,
        sourceCategory: row.source_category,
      });
      versions.set(row.document_id, list);
    }
    const parkedHash = new Map(parked.map((p) => [p.document_id, p.sha256]));

    for (const item of items) {
      const { metadata } = item;
      const result = (outcome: SubmissionOutcome, reasons: string[] = []): void => {
        writes.results.get(item.submissionId)?.results.push({ index: item.index, documentId: metadata.documentId, outcome, reasons });
      };
      const sourceCategory = sourceCategoryOf(item.addedBy, item.establishment);
      const rejectItem = (reason: string): void =>
        this.reject(writes, { submissionId: item.submissionId, establishment: item.establishment, index: item.index, documentId: metadata.documentId, ins: metadata.ins, type: metadata.type, sourceCategory, reasons: [reason] }, now, item.correlationId);
      const own = versions.get(metadata.documentId) ?? [];
      // A deleted document's id stays taken by its tombstone (its versions are the history).
      if (own.some((v) => v.status === DocumentStatus.DELETED)) {
        rejectItem(`documentId: ${metadata.documentId} was deleted; a deleted document's id is not used again`);
        continue;
      }
      const same = own.find((v) => v.sha256 === item.sha256);
      if (same !== undefined) {
        if (same.ins !== metadata.ins) rejectItem(`documentId: ${metadata.documentId} is already used for another patient`);
        else result(SubmissionOutcome.DUPLICATE, [`documentId: ${metadata.documentId} version ${same.version} with this sha256 is already stored`]);
        continue;
      }
      if (parkedHash.has(metadata.documentId)) {
        if (parkedHash.get(metadata.documentId) === item.sha256) result(SubmissionOutcome.DUPLICATE, [`documentId: ${metadata.documentId} with this sha256 is already waiting for the record's opening`]);
        else rejectItem(`documentId: ${metadata.documentId} is already waiting for the record's opening with another content`);
        continue;
      }
      const current = own.find((v) => v.current);
      if (current !== undefined && metadata.replaces === undefined) {
        rejectItem(`documentId: ${metadata.documentId} already exists with another sha256; declare a new version with replaces`);
        continue;
      }
      let replaced: StoredVersion | undefined;
      if (metadata.replaces !== undefined) {
        if (current !== undefined && metadata.replaces !== metadata.documentId) {
          rejectItem(`documentId: ${metadata.documentId} already exists; a replacement of ${metadata.replaces} needs a new id or the same id`);
          continue;
        }
        replaced = (versions.get(metadata.replaces) ?? []).find((v) => v.current);
        if (replaced === undefined) {
          rejectItem(`replaces: there is no current document ${metadata.replaces} to replace`);
          continue;
        }
        if (replaced.ins !== metadata.ins) {
          rejectItem(`replaces: document ${metadata.replaces} belongs to another patient`);
          continue;
        }
        if (replaced.status === DocumentStatus.DELETED) {
          rejectItem(`replaces: document ${metadata.replaces} was deleted`);
          continue;
        }
        // Only whoever filed a document may file its new version: its author (wherever they now
        // work) or its establishment (for another of its professionals); a document the patient
        // side added, the patient side of that record (ins checked above).
        const patientSide = feederOf(item.addedBy) === 'patient-side';
        if (patientSide !== (replaced.sourceCategory === SourceCategory.PATIENT)) {
          rejectItem(
            patientSide
              ? `replaces: document ${metadata.replaces} was filed by a professional or an establishment; the patient may replace only the documents they added`
              : `replaces: document ${metadata.replaces} was added by the patient; only the patient may replace it`,
          );
          continue;
        }
        // Matches on identifiers only: two liberal professionals both have no establishment.
        const sameAuthor = replaced.authorRpps !== null && replaced.authorRpps === (metadata.author?.rpps ?? null);
        const sameEstablishment = replaced.establishmentFiness !== null && replaced.establishmentFiness === (item.establishment?.finess ?? null);
        if (!patientSide && !sameAuthor && !sameEstablishment) {
          rejectItem(
            `replaces: document ${metadata.replaces} was filed by another author (RPPS ${replaced.authorRpps ?? 'none'}) and another establishment (FINESS ${replaced.establishmentFiness ?? 'none'}); only its author or its establishment may replace it`,
          );
          continue;
        }
      }
      const recordStatus = status.get(metadata.ins) ?? 'unknown';
      if (recordStatus === 'closed') {
        rejectItem(`ins: the patient's DMP is closed`);
        continue;
      }
      // Who may feed an open record (a parked document is checked again when it is released).
      const refusal = recordStatus === 'open' ? feedingRefusal(item.addedBy, metadata.ins, feeding.get(metadata.ins)) : undefined;
      if (refusal !== undefined) {
        rejectItem(refusal);
        continue;
      }
      if (item.body !== undefined) writes.blobs.set(item.sha256, item.body);
      if (recordStatus !== 'open') {
        if (!mayPark) {
          rejectItem(`ins: no open DMP for this patient`);
          continue;
        }
        const { body: _body, sha256, ...submission } = item;
        void _body;
        writes.parked.push({ ins: metadata.ins, documentId: metadata.documentId, sha256, submission, deadline: new Date(now.getTime() + this.config.DOCUMENTS_PARK_MAX_WAIT_MS) });
        parkedHash.set(metadata.documentId, sha256);
        result(SubmissionOutcome.PARKED, [`ins: no DMP known open for this patient yet: the document waits up to ${Math.round(this.config.DOCUMENTS_PARK_MAX_WAIT_MS / 1000)} s for the record's opening`]);
        continue;
      }
      const version = replaced === undefined ? 1 : Math.max(...(versions.get(replaced.documentId) ?? [replaced]).map((v) => v.version), ...own.map((v) => v.version)) + 1;
      if (replaced !== undefined) {
        replaced.current = false;
        replaced.status = DocumentStatus.DEPRECATED;
        writes.deprecations.push({ documentId: replaced.documentId, version: replaced.version });
      }
      const stored: StoredVersion = {
        documentId: metadata.documentId,
        version,
        ins: metadata.ins,
        sha256: item.sha256,
        current: true,
        status: DocumentStatus.ACTIVE,
        type: metadata.type,
        authorRpps: metadata.author?.rpps ?? null,
        establishmentFiness: item.establishment?.finess ?? null,
        sourceCategory,
      };
      versions.set(metadata.documentId, [...(versions.get(metadata.documentId) ?? []), stored]);
      this.addDocument(writes, item, version, replaced, now);
      result(SubmissionOutcome.ACCEPTED, replaced === undefined ? [] : [`replaces ${replaced.documentId} version ${replaced.version}, now deprecated`]);
    }
  }

  /**
   * What decides feeding rights, for the patients of the items that need it (liberal
   * professionals: the patient's blocks; legal representatives: enrolment's current list). Read
   * after lockShared, under its share locks. Establishments' batches skip the query.
   */
  private async feedingContexts(manager: EntityManager, items: FilingItem[]): Promise<Map<string, FeedingContext>> {
    const insList = [...new Set(items.filter((i) => i.addedBy.role === ActorRole.PROFESSIONAL || i.addedBy.role === ActorRole.LEGAL_REPRESENTATIVE).map((i) => i.metadata.ins))];
    if (insList.length === 0) return new Map();
    const rows: Array<{ ins: string; professionals: FeedingContext['professionals'] | null; legal_representatives: string[] | null }> = await manager.query(
      `SELECT ins, consent_state->'professionals' AS professionals, legal_representatives FROM document_patients WHERE ins = ANY($1)`,
      [insList],
    );
    return new Map(rows.map((r) => [r.ins, { professionals: r.professionals ?? {}, legalRepresentatives: r.legal_representatives ?? [] }]));
  }

  private addDocument(writes: BatchWrites, item: FilingItem, version: number, replaced: StoredVersion | undefined, now: Date): void {
    const { metadata, establishment } = item;
    const visibility = metadata.visibility ?? { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false };
    const sourceCategory = sourceCategoryOf(item.addedBy, establishment);
    const addedAt = now.toISOString();
    writes.documents.push({
      document_id: metadata.documentId,
      version,
      current_id: metadata.documentId,
      ins: metadata.ins,
      status: DocumentStatus.ACTIVE,
      type: metadata.type,
      format: metadata.format,
      title: metadata.title,
      author_rpps: metadata.author?.rpps ?? null,
      author_profession: metadata.author?.profession ?? null,
      author_name: metadata.author?.name ?? null,
      establishment_finess: establishment?.finess ?? null,
      establishment_kind: establishment?.kind ?? null,
      establishment_category: establishment?.category ?? null,
      source_category: sourceCategory,
      authored_at: metadata.authoredAt,
      service_start: metadata.serviceStart ?? null,
      service_end: metadata.serviceEnd ?? null,
      sha256: item.sha256,
      size_bytes: metadata.sizeBytes,
      masked_from_professionals: visibility.maskedFromProfessionals,
      invisible_to_patient: visibility.invisibleToPatientUntilExplained,
      invisible_to_legal_representatives: visibility.invisibleToLegalRepresentatives,
      replaces_document_id: replaced?.documentId ?? null,
      submission_id: item.submissionId,
      added_by_role: item.addedBy.role,
      added_by_id: item.addedBy.id,
      added_at: addedAt,
      changed_at: addedAt,
    });
    // The patient side's documents have no author, and only establishments have an establishment.
    const author = metadata.author && { rpps: metadata.author.rpps, profession: metadata.author.profession, ...(metadata.author.name ? { name: metadata.author.name } : {}) };
    const establishmentRef = establishment && { finess: establishment.finess, kind: establishment.kind, category: establishment.category };
    const who = { ...(author ? { author } : {}), ...(establishmentRef ? { establishment: establishmentRef } : {}) };
    const options = { producer: PRODUCER, correlationId: item.correlationId, key: metadata.ins, occurredAt: now };
    if (replaced === undefined) {
      writes.events.push(
        createEvent(
          DocumentAddedEvent,
          {
            ins: metadata.ins,
            documentId: metadata.documentId,
            version,
            type: metadata.type,
            format: metadata.format,
            title: metadata.title,
            sourceCategory,
            ...who,
            addedBy: item.addedBy,
            sha256: item.sha256,
            sizeBytes: metadata.sizeBytes,
            visibility,
            authoredAt: metadata.authoredAt,
            addedAt,
            submissionId: item.submissionId,
          },
          options,
        ) as EventEnvelope<unknown>,
      );
    } else {
      writes.events.push(
        createEvent(
          DocumentReplacedEvent,
          {
            ins: metadata.ins,
            documentId: metadata.documentId,
            replacedDocumentId: replaced.documentId,
            version,
            type: metadata.type,
            format: metadata.format,
            title: metadata.title,
            sourceCategory,
            ...who,
            sha256: item.sha256,
            previousSha256: replaced.sha256,
            sizeBytes: metadata.sizeBytes,
            by: item.addedBy,
            replacedAt: addedAt,
          },
          options,
        ) as EventEnvelope<unknown>,
      );
    }
  }

  private reject(writes: BatchWrites, rejection: Rejection, now: Date, correlationId: string): void {
    writes.results.get(rejection.submissionId)?.results.push({ index: rejection.index, ...(rejection.documentId ? { documentId: rejection.documentId } : {}), outcome: SubmissionOutcome.REJECTED, reasons: rejection.reasons });
    const ins = (rejection.ins ?? '').slice(0, 64);
    writes.events.push(
      createEvent(
        DocumentRejectedEvent,
        {
          ins,
          ...(rejection.documentId ? { documentId: rejection.documentId } : {}),
          submissionId: rejection.submissionId,
          ...(rejection.establishment ? { establishmentFiness: rejection.establishment.finess } : {}),
          ...(rejection.type ? { type: rejection.type } : {}),
          sourceCategory: rejection.sourceCategory,
          reasons: rejection.reasons,
          rejectedAt: now.toISOString(),
        },
        { producer: PRODUCER, correlationId, key: ins || 'unknown', occurredAt: now },
      ) as EventEnvelope<unknown>,
    );
  }

  private async flush(manager: EntityManager, writes: BatchWrites): Promise<void> {
    // Deprecations (row locks on replaced versions) before the bodies (their advisory locks): a
    // deletion takes the document's row lock then the body locks, so the same order here means
    // the two wait for each other instead of deadlocking.
    if (writes.deprecations.length > 0) {
      await manager.query(
        `UPDATE documents d SET current_id = NULL, status = '${DocumentStatus.DEPRECATED}', changed_at = now()
         FROM unnest($1::varchar[], $2::int[]) AS r(document_id, version)
         WHERE d.document_id = r.document_id AND d.version = r.version`,
        [writes.deprecations.map((d) => d.documentId), writes.deprecations.map((d) => d.version)],
      );
    }
    // The documents, parked rows and events are written while the blob store writes the bodies
    // (after it has taken their locks): the transaction waits for the longer of the two, not both.
    const rest = async (): Promise<void> => {
      for (let start = 0; start < writes.documents.length; start += 500) {
        await manager.query(
          `INSERT INTO documents SELECT * FROM jsonb_populate_recordset(NULL::documents, $1::jsonb)`,
          [JSON.stringify(writes.documents.slice(start, start + 500))],
        );
      }
      if (writes.parked.length > 0) {
        await manager.query(
          `INSERT INTO parked_documents (ins, document_id, sha256, submission, parked_at, deadline)
           SELECT ins, document_id, sha256, submission, now(), deadline FROM jsonb_to_recordset($1::jsonb)
             AS r(ins varchar, document_id varchar, sha256 varchar, submission jsonb, deadline timestamptz)`,
          [JSON.stringify(writes.parked.map((p) => ({ ins: p.ins, document_id: p.documentId, sha256: p.sha256, submission: p.submission, deadline: p.deadline.toISOString() })))],
        );
      }
      const processedAt = new Date().toISOString();
      for (const [submissionId, answer] of writes.results) {
        answer.results.sort((a, b) => a.index - b.index);
        // The HTTP way answers in the response; released or expired parked documents (and the
        // Kafka way) answer on the results topic.
        if (answer.way !== 'kafka' || answer.finess === undefined || answer.results.length === 0) continue;
        writes.events.push(
          createEvent(
            DocumentSubmissionResultsEvent,
            { submissionId, establishmentFiness: answer.finess as Finess, results: answer.results, processedAt },
            { producer: PRODUCER, correlationId: answer.correlationId },
          ) as EventEnvelope<unknown>,
        );
      }
      // One outbox row per topic for the whole batch (a bundle, published as one Kafka message per
      // event): a 500-submission batch writes 2-3 rows instead of 1,000 jsonb rows.
      if (writes.events.length > 0) await this.outbox.appendBundle(manager, writes.events);
    };
    if (writes.blobs.size > 0) await this.blobs.put(manager, [...writes.blobs].map(([sha256, body]) => ({ sha256, body })), rest);
    else await rest();
  }
}
