import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACCESS_RULES_VERSION, ConsentState } from '@dmp/access-rules';
import { ConsentPatientEntity } from './consent-patient.entity';

export class EmergencyAccessView {
  @ApiProperty() rpps!: string;
  @ApiProperty({ enum: ['emergency', 'samu-regulation'] }) mode!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() openedAt!: string;
  @ApiProperty() expiresAt!: string;
}

export class NotificationPreferencesView {
  @ApiProperty({ type: [String] }) channels!: string[];
  @ApiProperty() notifyOnNewDocument!: boolean;
  @ApiPropertyOptional({ nullable: true }) email!: string | null;
  @ApiPropertyOptional({ nullable: true }) mobile!: string | null;
}

/** The patient's consent as the API shows it, plus the raw access-rules state for services and support. */
export class ConsentView {
  @ApiProperty() ins!: string;
  @ApiProperty({ enum: ['unknown', 'open', 'closed'] }) recordStatus!: string;
  @ApiPropertyOptional({ nullable: true }) treatingPhysician!: string | null;
  @ApiProperty({ type: [String] }) authorisedProfessionals!: string[];
  @ApiProperty({ type: [String] }) blockedProfessionals!: string[];
  @ApiProperty({ type: [String] }) authorisedEstablishments!: string[];
  @ApiProperty() emergencyAccessRefused!: boolean;
  @ApiProperty() samuAccessRefused!: boolean;
  @ApiProperty({ type: [EmergencyAccessView], description: 'Emergency and SAMU accesses whose window is still open' })
  activeEmergencyAccesses!: EmergencyAccessView[];
  @ApiProperty({ type: NotificationPreferencesView }) notificationPreferences!: NotificationPreferencesView;
  @ApiProperty({ type: [String], description: 'INS of the legal representatives' }) legalRepresentatives!: string[];
  @ApiProperty() rulesVersion!: string;
  @ApiProperty({ description: 'The @dmp/access-rules ConsentState (feed it to decideAccess)' }) state!: ConsentState;
}

export function toConsentView(patient: ConsentPatientEntity, now: Date = new Date()): ConsentView {
  const { state } = patient;
  const professionals = Object.entries(state.professionals);
  return {
    ins: patient.ins,
    recordStatus: patient.recordStatus,
    treatingPhysician: state.treatingPhysician.rpps,
    authorisedProfessionals: professionals.filter(([, c]) => c.authorised && !c.blocked).map(([rpps]) => rpps).sort(),
    blockedProfessionals: professionals.filter(([, c]) => c.blocked).map(([rpps]) => rpps).sort(),
    authorisedEstablishments: Object.entries(state.establishments).filter(([, c]) => c.authorised).map(([finess]) => finess).sort(),
    emergencyAccessRefused: state.emergencyAccessRefused.refused,
    samuAccessRefused: state.samuAccessRefused.refused,
    activeEmergencyAccesses: Object.entries(state.emergencyAccesses)
      .filter(([, window]) => Date.parse(window.expiresAt) > now.getTime())
      .map(([rpps, window]) => ({ rpps, ...window })),
    notificationPreferences: { channels: patient.channels, notifyOnNewDocument: patient.notifyOnNewDocument, email: patient.email, mobile: patient.mobile },
    legalRepresentatives: patient.legalRepresentatives,
    rulesVersion: ACCESS_RULES_VERSION,
    state,
  };
}
