import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import {
  BackfillRequestedEvent,
  BackfillTrigger,
  createEvent,
  EventEnvelope,
  RecordClosedPayload,
  RecordOpenedPayload,
  RecordReactivatedPayload,
  Topics,
} from '@dmp/contracts';
import { IsoDate } from '@dmp/domain';
import { HandleEvent, OutboxService } from '@dmp/messaging';
import { careWindow, monthStartIso } from '../feed/care-window';
import { ConsentStateStore } from './consent-state.store';

const SERVICE = 'reimbursements';

/**
 * Enrolment and consent events this service keeps a local view of: which patients have an open
 * DMP (lines of anyone else are counted, not stored) and their consent state (the access rules'
 * input). Opening (or reactivating) a record asks the insurer for the patient's 24 months.
 */
@Injectable()
export class PatientEventsHandler {
  private readonly logger = new Logger(PatientEventsHandler.name);

  constructor(
    private readonly outbox: OutboxService,
    private readonly consent: ConsentStateStore,
  ) {}

  @HandleEvent(Topics.RECORD_OPENED)
  async onRecordOpened(
    envelope: EventEnvelope<RecordOpenedPayload>,
    manager: EntityManager,
  ): Promise<void> {
    await this.setOpen(manager, envelope.payload.ins, true, envelope.occurredAt);
    await this.consent.apply(manager, envelope);
    await this.requestBackfill(manager, envelope, BackfillTrigger.RECORD_OPENED);
  }

  @HandleEvent(Topics.RECORD_REACTIVATED)
  async onRecordReactivated(
    envelope: EventEnvelope<RecordReactivatedPayload>,
    manager: EntityManager,
  ): Promise<void> {
    await this.setOpen(manager, envelope.payload.ins, true, envelope.occurredAt);
    await this.consent.apply(manager, envelope);
    await this.requestBackfill(manager, envelope, BackfillTrigger.RECORD_REACTIVATED);
  }

  @HandleEvent(Topics.RECORD_CLOSED)
  async onRecordClosed(
    envelope: EventEnvelope<RecordClosedPayload>,
    manager: EntityManager,
  ): Promise<void> {
    await this.setOpen(manager, envelope.payload.ins, false, envelope.occurredAt);
    await this.consent.apply(manager, envelope);
  }

  /** Every other event the access rules fold (authorisations, blocks, treating physician...). */
  @HandleEvent(Topics.EMERGENCY_CHOICES_CHANGED)
  @HandleEvent(Topics.PROFESSIONAL_AUTHORISED)
  @HandleEvent(Topics.AUTHORISATION_REVOKED)
  @HandleEvent(Topics.PROFESSIONAL_BLOCKED)
  @HandleEvent(Topics.PROFESSIONAL_UNBLOCKED)
  @HandleEvent(Topics.TREATING_PHYSICIAN_DESIGNATED)
  @HandleEvent(Topics.EMERGENCY_PREFERENCES_CHANGED)
  @HandleEvent(Topics.EMERGENCY_ACCESS_STARTED)
  async onConsentEvent(envelope: EventEnvelope<unknown>, manager: EntityManager): Promise<void> {
    await this.consent.apply(manager, envelope);
  }

  /**
   * Last writer wins by the event's instant: a late "opened" older than a closure leaves the
   * record closed, whatever order the two topics deliver in.
   */
  private async setOpen(
    manager: EntityManager,
    ins: string,
    open: boolean,
    at: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO reimbursement_open_records (ins, is_open, opened_at, closed_at, last_event_at)
       VALUES ($1, $2, CASE WHEN $2 THEN $3::timestamptz END, CASE WHEN NOT $2 THEN $3::timestamptz END, $3)
       ON CONFLICT (ins) DO UPDATE SET
         is_open = EXCLUDED.is_open,
         opened_at = coalesce(EXCLUDED.opened_at, reimbursement_open_records.opened_at),
         closed_at = CASE WHEN EXCLUDED.is_open THEN NULL ELSE EXCLUDED.closed_at END,
         last_event_at = EXCLUDED.last_event_at
       WHERE reimbursement_open_records.last_event_at <= EXCLUDED.last_event_at`,
      [ins, open, at],
    );
  }

  private async requestBackfill(
    manager: EntityManager,
    envelope: EventEnvelope<{ ins: string }>,
    trigger: BackfillTrigger,
  ): Promise<void> {
    const now = new Date();
    const window = careWindow(now);
    const event = createEvent(
      BackfillRequestedEvent,
      {
        requestId: randomUUID(),
        ins: envelope.payload.ins as never,
        from: monthStartIso(window.startMonth) as IsoDate,
        to: now.toISOString().slice(0, 10) as IsoDate,
        trigger,
        requestedAt: now.toISOString(),
      },
      { producer: SERVICE, correlationId: envelope.correlationId },
    );
    await this.outbox.append(manager, event);
    this.logger.log({ msg: 'backfill requested', ins: envelope.payload.ins, trigger });
  }
}
