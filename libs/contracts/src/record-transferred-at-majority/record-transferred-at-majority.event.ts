import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { Ins } from '@dmp/domain';
import { Contacts } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** A minor came of age: the representatives lose their rights and the person controls the record. */
export class RecordTransferredAtMajorityPayload {
  @IsIns()
  ins!: Ins;

  @IsArray()
  @ArrayMaxSize(10)
  @IsIns({ each: true })
  formerRepresentatives!: Ins[];

  /** The person's own contacts when known at transfer. */
  @IsOptional()
  @NestedObject(() => Contacts)
  contacts?: Contacts;

  @IsIsoDateTime()
  transferredAt!: string;
}

export const RecordTransferredAtMajorityEvent = defineEvent(Topics.RECORD_TRANSFERRED_AT_MAJORITY, RecordTransferredAtMajorityPayload, (p) => p.ins);
