import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CompiledMatrix } from '@dmp/access-rules';
import { AccessedPayload, EmergencyAccessStartedEvent, EventEnvelope, Topics, createEvent } from '@dmp/contracts';
import { AccessMode } from '@dmp/domain';
import { HandleEvent, OutboxService } from '@dmp/messaging';
import { MetricsService } from '@dmp/observability';
import { ConsentPatientsStore } from '../patients/consent-patients.store';
import { ACCESS_MATRIX } from '../patients/access-matrix.provider';
import { NotificationQueue } from '../notifications/notification-queue.service';
import { NotificationRequest, emergencyAccessNotification, firstAccessKey, firstAccessNotification } from '../notifications/notification-triggers';
import { ConsentPatientEntity } from '../patients/consent-patient.entity';

const EMERGENCY_MODES = new Set(['emergency', 'samu-regulation']);
const KNOWN_FIRST_ACCESS_LIMIT = 200_000;

/**
 * Consumes the access events of documents and reimbursements, a batch per transaction (the
 * trace must keep up with reads: thousands per second). In that transaction:
 *  1. the trace rows (ON CONFLICT on the access id: a redelivered access adds nothing);
 *  2. for the accesses newly traced and granted: the first-access notification of each
 *     (patient, professional) and one notification per emergency access (dedup keys);
 *  3. for a granted emergency or SAMU access that opens a new window: the window in the
 *     patient's state and an emergency-access-started event for documents and reimbursements.
 */
@Injectable()
export class TraceAccessEventsHandler {
  private readonly traced;
  /**
   * First-access keys known to be queued by a committed transaction. Professionals read many
   * documents of a patient: skipping their known keys saves the contacts lookup and the
   * notification insert on most batches. Only committed facts are cached and notification rows
   * are never deleted, so the cache can be incomplete but never wrong (and other instances need
   * no share of it).
   */
  private readonly knownFirstAccess = new Set<string>();

  constructor(
    private readonly patients: ConsentPatientsStore,
    private readonly notifications: NotificationQueue,
    private readonly outbox: OutboxService,
    @Inject(ACCESS_MATRIX) private readonly matrix: CompiledMatrix,
    metrics: MetricsService,
  ) {
    this.traced = metrics.counter('consent_access_events_traced_total', 'Access events written to the trace', ['granted']);
  }

  @HandleEvent(Topics.ACCESSED, { batch: true, maxBatchSize: 1000 })
  async handle(envelopes: EventEnvelope<AccessedPayload>[], manager: EntityManager): Promise<void> {
    const fresh = await this.insertTrace(manager, envelopes);
    const granted = fresh.filter((e) => e.payload.granted);
    this.traced.inc({ granted: 'true' }, granted.length);
    this.traced.inc({ granted: 'false' }, fresh.length - granted.length);
    if (granted.length === 0) return;

    const emergencies = granted.filter((e) => EMERGENCY_MODES.has(e.payload.mode) && e.payload.accessor.role === 'professional');

    const requests: NotificationRequest[] = [];
    for (const { payload } of granted) {
      const { accessor } = payload;
      if ((accessor.role === 'professional' || accessor.role === 'establishment') && !this.knownFirstAccess.has(firstAccessKey(payload.ins, accessor.role, accessor.id))) {
        requests.push(firstAccessNotification(payload.ins, accessor.role, accessor.id, accessor.profession ?? null, payload.at));
      }
      if (EMERGENCY_MODES.has(payload.mode)) {
        requests.push(emergencyAccessNotification(payload.ins, payload.accessId, accessor.role, accessor.id, accessor.profession ?? null, payload.mode, payload.emergencyReason ?? null, payload.at));
      }
    }
    if (requests.length > 0) {
      // Patients whose emergency window may change are locked; the others are only read for their contacts.
      const locked = await this.patients.lockMany(manager, emergencies.map((e) => e.payload.ins));
      const others = await this.patients.findMany(manager, requests.map((r) => r.ins).filter((ins) => !locked.has(ins)));
      const contacts = new Map<string, ConsentPatientEntity>([...others, ...locked]);
      const { alreadyQueued } = await this.notifications.enqueue(manager, requests, contacts);
      this.remember(alreadyQueued.filter((key) => key.startsWith('first-access:')));
      await this.openEmergencyWindows(manager, emergencies, locked);
    }
  }

  private remember(keys: string[]): void {
    if (this.knownFirstAccess.size + keys.length > KNOWN_FIRST_ACCESS_LIMIT) this.knownFirstAccess.clear();
    for (const key of keys) this.knownFirstAccess.add(key);
  }

  /** Inserts the batch into the trace; returns the envelopes whose access was not traced before. */
  private async insertTrace(manager: EntityManager, envelopes: EventEnvelope<AccessedPayload>[]): Promise<EventEnvelope<AccessedPayload>[]> {
    // One JSON parameter rather than sixteen arrays: node-pg builds array literals in JavaScript,
    // element by element, which costs more CPU than the insert itself at thousands of rows/s.
    const rows = envelopes.map(({ payload: x, producer }) => ({
      access_id: x.accessId,
      ins: x.ins,
      accessor_role: x.accessor.role,
      accessor_id: x.accessor.id,
      profession: x.accessor.profession ?? null,
      finess: x.accessor.finess ?? null,
      mode: x.mode,
      target_kind: x.target.kind,
      target_id: x.target.id,
      document_type: x.target.documentType ?? null,
      granted: x.granted,
      reasons: x.reasons,
      rules_version: x.rulesVersion,
      emergency_reason: x.emergencyReason ?? null,
      accessed_at: x.at,
      producer,
    }));
    const inserted: Array<{ access_id: string }> = await manager.query(
      `INSERT INTO access_trace (access_id, ins, accessor_role, accessor_id, profession, finess, mode, target_kind, target_id, document_type, granted, reasons, rules_version, emergency_reason, accessed_at, producer)
       SELECT access_id, ins, accessor_role, accessor_id, profession, finess, mode, target_kind, target_id, document_type, granted, reasons, rules_version, emergency_reason, accessed_at, producer
       FROM json_to_recordset($1::json) AS r(access_id uuid, ins varchar, accessor_role varchar, accessor_id varchar, profession varchar, finess varchar, mode varchar,
         target_kind varchar, target_id varchar, document_type varchar, granted boolean, reasons jsonb, rules_version varchar, emergency_reason text, accessed_at timestamptz, producer varchar)
       ON CONFLICT (access_id) DO NOTHING
       RETURNING access_id`,
      [JSON.stringify(rows)],
    );
    const fresh = new Set(inserted.map((row) => row.access_id));
    // The same access twice in one batch: only its first copy counts.
    return envelopes.filter((e) => fresh.delete(e.payload.accessId));
  }

  private async openEmergencyWindows(manager: EntityManager, emergencies: EventEnvelope<AccessedPayload>[], patients: Map<string, ConsentPatientEntity>): Promise<void> {
    const changed = new Set<ConsentPatientEntity>();
    const events = [];
    for (const envelope of emergencies) {
      const { payload } = envelope;
      const patient = patients.get(payload.ins);
      if (!patient) continue;
      const rpps = payload.accessor.id;
      const atMs = Date.parse(payload.at);
      const current = Object.hasOwn(patient.state.emergencyAccesses, rpps) ? patient.state.emergencyAccesses[rpps] : undefined;
      if (current && current.mode === payload.mode && Date.parse(current.expiresAt) > atMs) continue; // still inside its window
      const durationMs = payload.mode === 'samu-regulation' ? this.matrix.samuAccessMs : this.matrix.emergencyAccessMs;
      const expiresAt = payload.expiresAt ?? new Date(atMs + durationMs).toISOString();
      const started = createEvent(
        EmergencyAccessStartedEvent,
        {
          // The access id identifies the window it opened: a replay produces the same event id chain.
          emergencyAccessId: payload.accessId,
          ins: payload.ins,
          accessor: payload.accessor,
          mode: payload.mode as AccessMode.EMERGENCY | AccessMode.SAMU_REGULATION,
          reason: payload.emergencyReason ?? 'not stated',
          startedAt: payload.at,
          expiresAt,
        },
        { producer: 'consent', correlationId: envelope.correlationId, occurredAt: payload.at },
      );
      this.patients.applyEvent(patient, started);
      changed.add(patient);
      events.push(started);
    }
    for (const patient of changed) await this.patients.save(manager, patient);
    if (events.length > 0) await this.outbox.append(manager, events);
  }
}
