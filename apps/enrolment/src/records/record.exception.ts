import { HttpException, HttpStatus } from '@nestjs/common';

/** Codes the API returns in the `code` field of an error body (docs/ARCHITECTURE.md). */
export enum RecordErrorCode {
  RECORD_ALREADY_EXISTS = 'RECORD_ALREADY_EXISTS',
  RECORD_NOT_FOUND = 'RECORD_NOT_FOUND',
  RECORD_ALREADY_CLOSED = 'RECORD_ALREADY_CLOSED',
  RECORD_NOT_CLOSED = 'RECORD_NOT_CLOSED',
  RECORD_CLOSED = 'RECORD_CLOSED',
  RECORD_CLOSED_BY_DEATH = 'RECORD_CLOSED_BY_DEATH',
  NOT_A_DEPENDANT = 'NOT_A_DEPENDANT',
  NOT_YET_OF_AGE = 'NOT_YET_OF_AGE',
  FORBIDDEN_FOR_ACTOR = 'FORBIDDEN_FOR_ACTOR',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
}

export interface FieldError {
  field: string;
  reason: string;
}

const statusOf: Record<RecordErrorCode, HttpStatus> = {
  [RecordErrorCode.RECORD_ALREADY_EXISTS]: HttpStatus.CONFLICT,
  [RecordErrorCode.RECORD_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [RecordErrorCode.RECORD_ALREADY_CLOSED]: HttpStatus.CONFLICT,
  [RecordErrorCode.RECORD_NOT_CLOSED]: HttpStatus.CONFLICT,
  [RecordErrorCode.RECORD_CLOSED]: HttpStatus.CONFLICT,
  [RecordErrorCode.RECORD_CLOSED_BY_DEATH]: HttpStatus.CONFLICT,
  [RecordErrorCode.NOT_A_DEPENDANT]: HttpStatus.CONFLICT,
  [RecordErrorCode.NOT_YET_OF_AGE]: HttpStatus.CONFLICT,
  [RecordErrorCode.FORBIDDEN_FOR_ACTOR]: HttpStatus.FORBIDDEN,
  [RecordErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
};

/**
 * A refusal the caller can act on. The body follows docs/ARCHITECTURE.md:
 * `{ statusCode, code, message, errors?, details? }`.
 */
export class RecordException extends HttpException {
  constructor(
    readonly code: RecordErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
    readonly details?: Record<string, unknown>,
  ) {
    super(
      {
        statusCode: statusOf[code],
        code,
        message,
        ...(errors.length > 0 ? { errors } : {}),
        ...(details ? { details } : {}),
      },
      statusOf[code],
    );
  }

  static validation(errors: FieldError[]): RecordException {
    const message = errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
    return new RecordException(RecordErrorCode.VALIDATION_FAILED, message, errors);
  }
}
