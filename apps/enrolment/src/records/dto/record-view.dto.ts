import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RecordEntity } from '../record.entity';

export class RecordView {
  @ApiProperty() id!: string;
  @ApiProperty() ins!: string;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: 'open' | 'closed';
  @ApiProperty() familyName!: string;
  @ApiProperty() givenNames!: string;
  @ApiProperty() birthDate!: string;
  @ApiProperty({ description: "The patient's CPAM office." }) cpamCode!: string;
  @ApiProperty() contacts!: { email: string | null; mobile: string | null };
  @ApiProperty() emergency!: { emergencyAccess: boolean; samuAccess: boolean };
  @ApiProperty() legalRepresentatives!: { ins: string; relationship: string }[];
  @ApiProperty() opening!: { channel: string; openedAt: string; openedBy: { role: string; id: string }; finess: string | null; cpamCode: string | null };
  @ApiProperty() consent!: { givenBy: string; at: string; place: string; channel: string };
  @ApiPropertyOptional() closure!: { closedAt: string; reason: string; date: string; closedBy: string | null } | null;
  @ApiPropertyOptional() reactivatedAt!: string | null;
  @ApiProperty() updatedAt!: string;
}

export function toRecordView(r: RecordEntity): RecordView {
  return {
    id: r.id,
    ins: r.ins,
    status: r.status,
    familyName: r.familyName,
    givenNames: r.givenNames,
    birthDate: r.birthDate,
    cpamCode: r.cpamCode,
    contacts: { email: r.email, mobile: r.mobile },
    emergency: { emergencyAccess: r.emergencyAccess, samuAccess: r.samuAccess },
    legalRepresentatives: r.legalRepresentatives.map((x) => ({ ins: x.ins, relationship: x.relationship })),
    opening: {
      channel: r.openingChannel,
      openedAt: r.openedAt.toISOString(),
      openedBy: { role: r.openedByRole, id: r.openedById },
      finess: r.openingFiness,
      cpamCode: r.openingCpamCode,
    },
    consent: { givenBy: r.consentGivenBy, at: r.consentAt.toISOString(), place: r.consentPlace, channel: r.consentChannel },
    closure:
      r.closedAt && r.closureReason && r.closureDate
        ? { closedAt: r.closedAt.toISOString(), reason: r.closureReason, date: r.closureDate, closedBy: r.closedBy }
        : null,
    reactivatedAt: r.reactivatedAt ? r.reactivatedAt.toISOString() : null,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** What professionals' software asks before feeding: does it exist, is it open, may I feed it. */
export class RecordStatusView {
  @ApiProperty() ins!: string;
  @ApiProperty() exists!: boolean;
  @ApiPropertyOptional({ enum: ['open', 'closed'] }) status?: 'open' | 'closed';
  @ApiPropertyOptional() openedAt?: string;
  @ApiPropertyOptional() closedAt?: string | null;
  @ApiPropertyOptional() closureReason?: string | null;
  @ApiPropertyOptional() closureDate?: string | null;
  @ApiProperty({ description: 'True when documents may be added: the record exists and is open.' }) mayBeFed!: boolean;
}

export function toStatusView(ins: string, r: RecordEntity | null): RecordStatusView {
  if (!r) return { ins, exists: false, mayBeFed: false };
  return {
    ins,
    exists: true,
    status: r.status,
    openedAt: r.openedAt.toISOString(),
    closedAt: r.closedAt ? r.closedAt.toISOString() : null,
    closureReason: r.closureReason,
    closureDate: r.closureDate,
    mayBeFed: r.status === 'open',
  };
}
