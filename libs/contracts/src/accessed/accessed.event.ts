import { IsArray, IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { AccessMode, AccessTargetKind, DocumentType, Ins } from '@dmp/domain';
import { AccessorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class AccessTarget {
  @IsEnum(AccessTargetKind)
  kind!: AccessTargetKind;

  /** The document id, or for reimbursements what was read ('history', a month...). */
  @IsString()
  @Length(1, 128)
  id!: string;

  @IsOptional()
  @IsEnum(DocumentType)
  documentType?: DocumentType;
}

/** One read attempt, granted or refused, by the documents or the reimbursements service. */
export class AccessedPayload {
  /** Unique per access; the trace and the first-access notification deduplicate on it. */
  @IsUUID('4')
  accessId!: string;

  @IsIns()
  ins!: Ins;

  @NestedObject(() => AccessorRef)
  accessor!: AccessorRef;

  @IsEnum(AccessMode)
  mode!: AccessMode;

  @NestedObject(() => AccessTarget)
  target!: AccessTarget;

  @IsBoolean()
  granted!: boolean;

  /** The access rules' reasons for the decision. */
  @IsArray()
  @IsString({ each: true })
  reasons!: string[];

  /** Version of the access rules that decided, so "why could X see Y on date Z" has an answer. */
  @IsString()
  @Length(1, 64)
  rulesVersion!: string;

  /** The professional's stated reason for an emergency access. */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  emergencyReason?: string;

  @IsIsoDateTime()
  at!: string;

  /**
   * Granted emergency or SAMU access: when its window closes (the decision's expiresAt). Consent
   * records the window from it; absent, consent uses its own matrix's duration.
   */
  @IsOptional()
  @IsIsoDateTime()
  expiresAt?: string;
}

export const AccessedEvent = defineEvent(Topics.ACCESSED, AccessedPayload, (p) => p.ins);
