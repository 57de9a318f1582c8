import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DocumentAddedPayload, EventEnvelope, Topics } from '@dmp/contracts';
import { HandleEvent } from '@dmp/messaging';
import { ConsentPatientsStore } from '../patients/consent-patients.store';
import { NotificationQueue } from './notification-queue.service';
import { newDocumentNotification } from './notification-triggers';

/** The optional "new document" notification, for patients who asked for it. */
@Injectable()
export class DocumentEventsHandler {
  constructor(
    private readonly patients: ConsentPatientsStore,
    private readonly notifications: NotificationQueue,
  ) {}

  @HandleEvent(Topics.DOCUMENT_ADDED)
  async documentAdded(envelope: EventEnvelope<DocumentAddedPayload>, manager: EntityManager): Promise<void> {
    const { payload } = envelope;
    const patient = await this.patients.find(manager, payload.ins);
    // A patient adding their own document is not told about it.
    if (!patient?.notifyOnNewDocument || payload.addedBy.role === 'patient') return;
    if (payload.visibility.invisibleToPatientUntilExplained) return;
    await this.notifications.enqueue(manager, [newDocumentNotification(payload.ins, payload.documentId, payload.version, payload.title, payload.addedAt)], new Map([[patient.ins, patient]]));
  }
}
