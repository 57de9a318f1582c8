import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@dmp/contracts';
import { OutboxService } from '@dmp/messaging';
import { Actor } from '@dmp/auth';
import { ConsentPatientEntity } from '../patients/consent-patient.entity';
import { ConsentPatientsStore } from '../patients/consent-patients.store';
import { ConsentErrorCode, ConsentException } from '../patients/consent.exception';
import { ConsentView, toConsentView } from '../patients/consent-view';
import { assertActsForPatient } from '../patients/patient-access.policy';

export interface ChoiceContext {
  ins: string;
  actor: Actor;
  correlationId: string;
}

/**
 * The common path of every patient choice: check who acts, lock the patient, refuse if the
 * record is not open, build the events, fold them into the state with the same reducer the
 * readers use, and write state + events (outbox) in one transaction.
 */
@Injectable()
export class ChoiceRecorder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly patients: ConsentPatientsStore,
    private readonly outbox: OutboxService,
  ) {}

  async record(
    context: ChoiceContext,
    build: (patient: ConsentPatientEntity) => EventEnvelope<unknown>[],
    alsoChange?: (patient: ConsentPatientEntity) => void,
  ): Promise<ConsentView> {
    assertActsForPatient(context.actor, context.ins);
    return this.dataSource.transaction(async (manager) => {
      const patient = await this.patients.lock(manager, context.ins);
      if (patient.recordStatus !== 'open') throw new ConsentException(ConsentErrorCode.RECORD_NOT_OPEN);
      // Defence in depth: once enrolment has told us who represents a minor, the token's claim must agree.
      const actor = context.actor;
      if (actor.role === 'legal-representative' && patient.legalRepresentatives.length > 0 && !patient.legalRepresentatives.includes(actor.ins)) {
        throw new ConsentException(ConsentErrorCode.NOT_YOUR_RECORD, 'enrolment does not list this legal representative for the patient');
      }
      const events = build(patient);
      for (const event of events) this.patients.applyEvent(patient, event);
      alsoChange?.(patient);
      await this.patients.save(manager, patient);
      await this.outbox.append(manager, events);
      return toConsentView(patient);
    });
  }
}
