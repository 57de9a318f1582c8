import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEnum, IsOptional, ValidateIf } from 'class-validator';
import { CpamCode, Ins, OpeningChannel } from '@dmp/domain';
import { ActorRef, ConsentRecord, Contacts, EmergencyChoices, IdentityTraits, LegalRepresentative } from '../common/references';
import { IsCpamCode, IsIns, IsIsoDateTime, NestedObject, NestedObjects } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class RecordOpenedPayload {
  @IsIns()
  ins!: Ins;

  @IsEnum(OpeningChannel)
  channel!: OpeningChannel;

  /** The patient's own CPAM office (coverage is counted per office), not the opener's. */
  @IsCpamCode()
  cpamCode!: CpamCode;

  /** Who opened it: the agent, the pharmacy (FINESS, for the 1-euro payment), the patient... */
  @NestedObject(() => ActorRef)
  openingActor!: ActorRef;

  @IsIsoDateTime()
  openedAt!: string;

  @NestedObject(() => ConsentRecord)
  consent!: ConsentRecord;

  @NestedObject(() => EmergencyChoices)
  emergency!: EmergencyChoices;

  @NestedObject(() => Contacts)
  contacts!: Contacts;

  @IsBoolean()
  isMinor!: boolean;

  /** At least one for a minor; empty for an adult. */
  @IsArray()
  @ValidateIf((o: RecordOpenedPayload) => o.isMinor === true || (Array.isArray(o.legalRepresentatives) && o.legalRepresentatives.length > 0))
  @ArrayMinSize(1, { message: 'legalRepresentatives must list at least one representative for a minor' })
  @ArrayMaxSize(10)
  @NestedObjects(() => LegalRepresentative)
  legalRepresentatives!: LegalRepresentative[];

  @IsOptional()
  @NestedObject(() => IdentityTraits)
  identity?: IdentityTraits;
}

export const RecordOpenedEvent = defineEvent(Topics.RECORD_OPENED, RecordOpenedPayload, (p) => p.ins);
