import type { INestApplication } from '@nestjs/common';
import { json, urlencoded, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DomainException } from './domain.exception';

const codes: Record<string, string> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_ENCODING',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'request.aborted': 'REQUEST_ABORTED',
  'request.size.invalid': 'BAD_REQUEST',
};

/** A body-parser failure as a DomainException, so the client gets a code (INVALID_JSON...). */
export class RequestBodyException extends DomainException {}

function withCodes(parser: RequestHandler): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    parser(request, response, (error?: unknown) => {
      if (!error) return next();
      const failure = error as { status?: number; type?: string; message?: string };
      const status = typeof failure.status === 'number' && failure.status >= 400 && failure.status < 500 ? failure.status : 400;
      const code = (failure.type && codes[failure.type]) ?? 'BAD_REQUEST';
      const message =
        code === 'INVALID_JSON'
          ? `The request body is not valid JSON: ${failure.message ?? 'parse error'}`
          : code === 'PAYLOAD_TOO_LARGE'
            ? 'The request body is larger than this service accepts'
            : (failure.message ?? 'The request body could not be read');
      next(new RequestBodyException(code, message, status));
    });
  };
}

const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** '1mb', '512kb', '2048' or a number of bytes, as bytes (the same units as body-parser). */
export function parseByteLimit(limit: string | number): number {
  if (typeof limit === 'number') return limit;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!match) throw new Error(`body limit "${limit}" is not a size such as 512kb or 12mb`);
  return Math.floor(Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]);
}

/**
 * Express only: JSON and urlencoded bodies with a size limit. Nest's own parsers would turn a parse error into
 * an anonymous 400; these keep the reason as a code the client can act on.
 */
export function installBodyParsers(app: INestApplication, limit: string | number): void {
  app.use(withCodes(json({ limit })));
  app.use(withCodes(urlencoded({ limit, extended: false })));
}
