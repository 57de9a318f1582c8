import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainException, FieldError } from './domain.exception';
import type { ErrorBody } from './error-body';

/** body-parser / http-errors: errors carrying their own 4xx status and a machine type. */
interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
  message?: string;
}

const bodyParserCodes: Record<string, string> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_ENCODING',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'request.aborted': 'REQUEST_ABORTED',
  // Fastify's content-type parser errors, by their `code`.
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** The reply of either adapter: Express' Response or Fastify's FastifyReply. */
interface AnyReply {
  headersSent?: boolean;
  sent?: boolean;
  status(code: number): AnyReply;
  json?(body: unknown): unknown;
  send(body: unknown): unknown;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

/** Sends a JSON body on Express (json) or Fastify (send serialises objects), with headers. */
export function replyJson(reply: AnyReply, status: number, body: unknown, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) {
    if (reply.header) reply.header(name, value);
    else reply.setHeader?.(name, value);
  }
  const withStatus = reply.status(status);
  if (withStatus.json) withStatus.json(body);
  else withStatus.send(body);
}

function isHealthCheckFailure(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException) || exception.getStatus() !== 503) return false;
  const response = exception.getResponse();
  return typeof response === 'object' && response !== null && 'details' in response && 'status' in response;
}

/**
 * Connection-level failures of the database (server restarting, shutting down, unreachable):
 * SQLSTATE class 08 and 57P01-57P03, socket errors, and node-postgres' own connection messages.
 * TypeORM wraps the driver's error in `driverError`.
 */
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);
const unavailableMessages = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(exception: unknown): boolean {
  for (let error = exception, depth = 0; error && typeof error === 'object' && depth < 4; depth++) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && unavailableMessages.test(message)) return true;
    error = (error as { driverError?: unknown; cause?: unknown }).driverError ?? (error as { cause?: unknown }).cause;
  }
  return false;
}

/** `NOT_FOUND` from 404, `UNPROCESSABLE_ENTITY` from 422. */
export function codeForStatus(status: number): string {
  const name = (HttpStatus as unknown as Record<number, string | undefined>)[status];
  return name ?? (status >= 500 ? 'INTERNAL_ERROR' : 'REQUEST_FAILED');
}

/**
 * Every HTTP error leaves in the shape `{ statusCode, code, message, errors }`. Deliberate
 * errors (DomainException, Nest HttpExceptions, body-parser's 4xx) keep their status; a lost
 * database connection is a 503 with Retry-After (a restart is not a server bug); anything
 * else is a 500 whose body carries only an error id: the stack goes to the log, never to the
 * client. Non-HTTP contexts (Kafka handlers) are left to their own error handling.
 */
@Catch()
export class PlatformExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const response = http.getResponse<AnyReply>();
    const request = http.getRequest<{ method?: string; originalUrl?: string; url?: string }>();
    if (response.headersSent || response.sent) return;
    if (isHealthCheckFailure(exception)) {
      // Terminus' 503 body (status, info, error, details) is the health API: keep it as is.
      replyJson(response, exception.getStatus(), exception.getResponse());
      return;
    }
    const body = this.toBody(exception, request);
    // The client may retry soon: the database is restarting or briefly out of reach.
    replyJson(response, body.statusCode, body, body.code === 'DATABASE_UNAVAILABLE' ? { 'Retry-After': '1' } : {});
  }

  toBody(exception: unknown, request: { method?: string; originalUrl?: string; url?: string }): ErrorBody {
    if (exception instanceof DomainException) {
      return { statusCode: exception.status, code: exception.code, message: exception.message, errors: exception.errors };
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    const httpError = exception as HttpError | null;
    const status = httpError?.status ?? httpError?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return {
        statusCode: status,
        code: (httpError?.type && bodyParserCodes[httpError.type]) || (httpError?.code && bodyParserCodes[httpError.code]) || codeForStatus(status),
        message: httpError?.expose !== false && httpError?.message ? httpError.message : codeForStatus(status),
        errors: [],
      };
    }
    const errorId = randomUUID();
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({
        msg: 'database unavailable',
        errorId,
        method: request.method,
        url: request.originalUrl ?? request.url,
        err: exception instanceof Error ? { name: exception.name, message: exception.message } : String(exception),
      });
      return { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: `The database is unavailable for now; retry shortly (reference ${errorId})`, errors: [], errorId };
    }
    this.logger.error({
      msg: 'unhandled error',
      errorId,
      method: request.method,
      url: request.originalUrl ?? request.url,
      err: exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : String(exception),
    });
    return {
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: `Internal error; reference ${errorId}`,
      errors: [],
      errorId,
    };
  }

  private fromHttpException(exception: HttpException): ErrorBody {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'string') return { statusCode, code: codeForStatus(statusCode), message: response, errors: [] };
    const fields = response as { code?: unknown; message?: unknown; errors?: unknown; error?: unknown };
    const messages = Array.isArray(fields.message) ? fields.message.map(String) : [];
    const message = typeof fields.message === 'string' ? fields.message : messages.length > 0 ? messages.join('; ') : exception.message;
    const errors = Array.isArray(fields.errors) ? (fields.errors as FieldError[]) : [];
    const body: ErrorBody = {
      statusCode,
      code: typeof fields.code === 'string' ? fields.code : codeForStatus(statusCode),
      message,
      errors,
    };
    if (statusCode >= 500) {
      // A 5xx HttpException is still ours to explain in the log, not in the body.
      this.logger.error({ msg: 'server error response', statusCode, message });
    }
    return body;
  }
}
