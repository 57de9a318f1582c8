export interface FieldError {
  /** Path of the field in the request: `ins`, `address.postcode`, `items[2].code`. */
  field: string;
  reason: string;
}

/**
 * Base of the errors a use case raises on purpose: a stable machine code the API returns
 * (`RECORD_ALREADY_OPEN`), an HTTP status (4xx) and a human message. The platform's exception
 * filter turns it into `{ statusCode, code, message, errors }`.
 *
 *   export class RecordException extends DomainException {}
 *   throw new RecordException('RECORD_ALREADY_OPEN', 'a record is already open for this INS', 409);
 */
export class DomainException extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 422,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}
