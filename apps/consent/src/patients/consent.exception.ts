import { DomainException } from '@dmp/platform';

export enum ConsentErrorCode {
  RECORD_NOT_OPEN = 'RECORD_NOT_OPEN',
  NOT_YOUR_RECORD = 'NOT_YOUR_RECORD',
  PROFESSIONAL_BLOCKED = 'PROFESSIONAL_BLOCKED',
  NOTIFICATION_NOT_FOUND = 'NOTIFICATION_NOT_FOUND',
  NOTIFICATION_NOT_FAILED = 'NOTIFICATION_NOT_FAILED',
  CONTACT_MISSING = 'CONTACT_MISSING',
}

const defaults: Record<ConsentErrorCode, { status: number; message: string }> = {
  RECORD_NOT_OPEN: { status: 409, message: 'this patient has no open record' },
  NOT_YOUR_RECORD: { status: 403, message: 'only the patient or their legal representative may do this' },
  PROFESSIONAL_BLOCKED: { status: 409, message: 'the professional is blocked; unblock them first' },
  NOTIFICATION_NOT_FOUND: { status: 404, message: 'no such notification' },
  NOTIFICATION_NOT_FAILED: { status: 409, message: 'only a failed notification can be retried' },
  CONTACT_MISSING: { status: 422, message: 'a chosen channel has no contact to reach' },
};

export class ConsentException extends DomainException {
  constructor(code: ConsentErrorCode, message?: string, errors: { field: string; reason: string }[] = []) {
    super(code, message ?? defaults[code].message, defaults[code].status, errors);
  }
}
