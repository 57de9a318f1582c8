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

/**
 * JSON and urlencoded bodies with a size limit. Nest's own parsers would turn a parse error into
 * an anonymous 400; these keep the reason as a code the client can act on.
 */
export function installBodyParsers(app: INestApplication, limit: string): void {
  app.use(withCodes(json({ limit })));
  app.use(withCodes(urlencoded({ limit, extended: false })));
}
