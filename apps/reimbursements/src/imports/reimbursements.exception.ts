import { DomainException, FieldError } from '@dmp/platform';

export enum ReimbursementsErrorCode {
  CHECKSUM_REQUIRED = 'CHECKSUM_REQUIRED',
  EMPTY_UPLOAD = 'EMPTY_UPLOAD',
  IMPORT_NOT_FOUND = 'IMPORT_NOT_FOUND',
  FILE_NOT_FOUND = 'FILE_NOT_FOUND',
  INVALID_INS = 'INVALID_INS',
  INVALID_QUERY = 'INVALID_QUERY',
  ACCESS_REFUSED = 'ACCESS_REFUSED',
}

const statuses: Record<ReimbursementsErrorCode, number> = {
  CHECKSUM_REQUIRED: 400,
  EMPTY_UPLOAD: 400,
  IMPORT_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  INVALID_INS: 400,
  INVALID_QUERY: 400,
  ACCESS_REFUSED: 403,
};

export class ReimbursementsException extends DomainException {
  constructor(code: ReimbursementsErrorCode, message: string, errors: FieldError[] = []) {
    super(code, message, statuses[code], errors);
  }
}
