import type { FieldError } from './domain.exception';

/** The one error shape of every service (docs/ARCHITECTURE.md, HTTP). */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors: FieldError[];
  /** Only on 500s: the id under which the error was logged, for support. */
  errorId?: string;
}
