import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  ContactChangedPayload,
  DependantAttachedPayload,
  EmergencyChoicesChangedPayload,
  EventEnvelope,
  RecordClosedPayload,
  RecordOpenedPayload,
  RecordReactivatedPayload,
  RepresentativeChangedPayload,
  Topics,
} from '@dmp/contracts';
import { HandleEvent } from '@dmp/messaging';
import { ConsentPatientEntity } from '../patients/consent-patient.entity';
import { ConsentPatientsStore } from '../patients/consent-patients.store';
import { NotificationQueue } from '../notifications/notification-queue.service';
import { welcomeNotification } from '../notifications/notification-triggers';

function isNewer(at: string, changedAt: Date | null): boolean {
  return changedAt === null || Date.parse(at) >= changedAt.getTime();
}

function setContacts(patient: ConsentPatientEntity, contacts: { email?: string; mobile?: string }, at: string): void {
  if (!isNewer(at, patient.contactsChangedAt)) return;
  patient.email = contacts.email ?? null;
  patient.mobile = contacts.mobile ?? null;
  patient.contactsChangedAt = new Date(at);
}

/**
 * What consent learns from enrolment: which records exist and their status, the emergency
 * choices made at opening, contacts and legal representatives. Order across topics is not
 * guaranteed, so contacts are last-writer-wins and the state goes through the order-tolerant
 * reducer of @dmp/access-rules.
 */
@Injectable()
export class EnrolmentEventsHandler {
  constructor(
    private readonly patients: ConsentPatientsStore,
    private readonly notifications: NotificationQueue,
  ) {}

  /**
   * Openings come in campaigns of thousands: a batch locks its patients, writes them and queues
   * their welcome notifications in four statements, where one event at a time took five each.
   */
  @HandleEvent(Topics.RECORD_OPENED, { batch: true, maxBatchSize: 500 })
  async recordsOpened(envelopes: EventEnvelope<RecordOpenedPayload>[], manager: EntityManager): Promise<void> {
    const patients = await this.patients.lockMany(manager, envelopes.map((e) => e.payload.ins));
    for (const envelope of envelopes) {
      const { payload } = envelope;
      const patient = patients.get(payload.ins);
      if (!patient) throw new Error(`consent_patients row for ${payload.ins} vanished under a lock`);
      this.patients.applyEvent(patient, envelope);
      setContacts(patient, payload.contacts, payload.openedAt);
      patient.legalRepresentatives = payload.legalRepresentatives.map((r) => r.ins);
    }
    await this.patients.saveEnrolmentChanges(manager, [...patients.values()]);
    await this.notifications.enqueue(
      manager,
      envelopes.map((e) => welcomeNotification(e.payload.ins, e.payload.openedAt)),
      patients,
    );
  }

  @HandleEvent(Topics.RECORD_CLOSED)
  async recordClosed(envelope: EventEnvelope<RecordClosedPayload>, manager: EntityManager): Promise<void> {
    await this.apply(envelope, manager);
  }

  @HandleEvent(Topics.RECORD_REACTIVATED)
  async recordReactivated(envelope: EventEnvelope<RecordReactivatedPayload>, manager: EntityManager): Promise<void> {
    await this.apply(envelope, manager);
  }

  @HandleEvent(Topics.EMERGENCY_CHOICES_CHANGED)
  async emergencyChoicesChanged(envelope: EventEnvelope<EmergencyChoicesChangedPayload>, manager: EntityManager): Promise<void> {
    await this.apply(envelope, manager);
  }

  @HandleEvent(Topics.CONTACT_CHANGED)
  async contactChanged(envelope: EventEnvelope<ContactChangedPayload>, manager: EntityManager): Promise<void> {
    const patient = await this.patients.lock(manager, envelope.payload.ins);
    setContacts(patient, envelope.payload.contacts, envelope.payload.changedAt);
    await this.patients.save(manager, patient);
  }

  @HandleEvent(Topics.REPRESENTATIVE_CHANGED)
  async representativeChanged(envelope: EventEnvelope<RepresentativeChangedPayload>, manager: EntityManager): Promise<void> {
    const patient = await this.patients.lock(manager, envelope.payload.ins);
    patient.legalRepresentatives = envelope.payload.legalRepresentatives.map((r) => r.ins);
    await this.patients.save(manager, patient);
  }

  @HandleEvent(Topics.DEPENDANT_ATTACHED)
  async dependantAttached(envelope: EventEnvelope<DependantAttachedPayload>, manager: EntityManager): Promise<void> {
    const patient = await this.patients.lock(manager, envelope.payload.ins);
    const representative = envelope.payload.representative.ins;
    if (!patient.legalRepresentatives.includes(representative)) patient.legalRepresentatives = [...patient.legalRepresentatives, representative];
    await this.patients.save(manager, patient);
  }

  private async apply(envelope: EventEnvelope<{ ins: string }>, manager: EntityManager): Promise<void> {
    const patient = await this.patients.lock(manager, envelope.payload.ins);
    this.patients.applyEvent(patient, envelope);
    await this.patients.save(manager, patient);
  }
}
