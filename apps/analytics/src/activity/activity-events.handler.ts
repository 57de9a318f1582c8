import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  AccessedPayload,
  DocumentAddedPayload,
  DocumentReplacedPayload,
  EventEnvelope,
  FileImportedPayload,
  NotificationSentPayload,
  Topics,
} from '@dmp/contracts';
import { ActorRole, SourceCategory } from '@dmp/domain';
import { HandleEvent } from '@dmp/messaging';
import { parisDay } from '../periods/paris-periods';
import {
  DocumentFactRow,
  insertDocumentFacts,
  insertMembers,
  insertNotificationFacts,
  insertReimbursementFiles,
  lockRecordsAndResolveCpam,
  MemberRow,
} from './activity-store';
import { DistinctFigure, NO_CPAM, UNRESOLVED_CPAM } from './figure-names';

/** Up to this many events of one partition per transaction. */
export const ANALYTICS_BATCH_SIZE = 1000;

type DocumentPayload = DocumentAddedPayload | DocumentReplacedPayload;

/**
 * Folds the documents, access, notification and reimbursement-import events into facts and
 * counters, a batch of events per transaction. No inbox row per event (`inbox: false`): every
 * write is keyed by the fact's own identity (document id and version, notification id, file id
 * and completion, figure-day-member), inserted with ON CONFLICT DO NOTHING, and counters move
 * only by the rows actually inserted, so a redelivery, a replay with new event ids and any
 * arrival order leave the same figures.
 * Each event is placed in the period of its own time, in Paris.
 */
@Injectable()
export class ActivityEventsHandler {
  @HandleEvent(Topics.DOCUMENT_ADDED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async documentsAdded(envelopes: EventEnvelope<DocumentAddedPayload>[], manager: EntityManager): Promise<void> {
    await this.documents(
      envelopes.map((e) => ({ payload: e.payload, version: e.payload.version, at: e.payload.addedAt, kind: 'added' as const })),
      manager,
    );
  }

  @HandleEvent(Topics.DOCUMENT_REPLACED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async documentsReplaced(envelopes: EventEnvelope<DocumentReplacedPayload>[], manager: EntityManager): Promise<void> {
    await this.documents(
      envelopes.map((e) => ({ payload: e.payload, version: e.payload.version, at: e.payload.replacedAt, kind: 'replaced' as const })),
      manager,
    );
  }

  /** Professionals who consulted: granted reads of documents or reimbursements by a professional. */
  @HandleEvent(Topics.ACCESSED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async accessed(envelopes: EventEnvelope<AccessedPayload>[], manager: EntityManager): Promise<void> {
    const members: MemberRow[] = [];
    for (const { payload } of envelopes) {
      if (!payload.granted || payload.accessor.role !== ActorRole.PROFESSIONAL) continue;
      members.push({
        figure: DistinctFigure.CONSULTING_PROFESSIONALS,
        day: parisDay(payload.at),
        memberId: payload.accessor.id,
        grp: payload.accessor.profession ?? 'unknown',
        cpamCode: NO_CPAM,
      });
    }
    await insertMembers(manager, members);
  }

  @HandleEvent(Topics.NOTIFICATION_SENT, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async notificationsSent(envelopes: EventEnvelope<NotificationSentPayload>[], manager: EntityManager): Promise<void> {
    const cpam = await lockRecordsAndResolveCpam(manager, envelopes.map((e) => e.payload.ins));
    await insertNotificationFacts(
      manager,
      envelopes.map(({ payload: p }) => ({
        notificationId: p.notificationId,
        ins: p.ins,
        cpamCode: cpam.get(p.ins) ?? UNRESOLVED_CPAM,
        day: parisDay(p.sentAt),
        trigger: p.trigger,
        channel: p.channel,
      })),
    );
  }

  /** Reimbursement lines imported: one summary per imported file, never one event per line. */
  @HandleEvent(Topics.FILE_IMPORTED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async filesImported(envelopes: EventEnvelope<FileImportedPayload>[], manager: EntityManager): Promise<void> {
    await insertReimbursementFiles(
      manager,
      envelopes.map(({ payload: p }) => ({
        fileId: p.fileId,
        completedAt: p.completedAt,
        day: parisDay(p.completedAt),
        kind: p.kind,
        status: p.status,
        ...p.counts,
      })),
    );
  }

  private async documents(
    items: Array<{ payload: DocumentPayload; version: number; at: string; kind: 'added' | 'replaced' }>,
    manager: EntityManager,
  ): Promise<void> {
    const cpam = await lockRecordsAndResolveCpam(manager, items.map((i) => i.payload.ins));
    const facts: DocumentFactRow[] = [];
    const members: MemberRow[] = [];
    for (const { payload: p, version, at, kind } of items) {
      const day = parisDay(at);
      const cpamCode = cpam.get(p.ins) ?? UNRESOLVED_CPAM;
      facts.push({ documentId: p.documentId, version, ins: p.ins, cpamCode, day, sourceCategory: p.sourceCategory, type: p.type, kind });
      if (p.establishment) {
        members.push({ figure: DistinctFigure.FEEDING_ESTABLISHMENTS, day, memberId: p.establishment.finess, grp: p.establishment.category, cpamCode: NO_CPAM });
      }
      if (p.author) {
        members.push({ figure: DistinctFigure.FEEDING_PROFESSIONALS, day, memberId: p.author.rpps, grp: p.author.profession, cpamCode: NO_CPAM });
      }
      if (kind === 'added' && p.sourceCategory === SourceCategory.PATIENT) {
        members.push({ figure: DistinctFigure.ADDING_PATIENTS, day, memberId: p.ins, grp: '', cpamCode });
      }
    }
    await insertDocumentFacts(manager, facts);
    await insertMembers(manager, members);
  }
}
