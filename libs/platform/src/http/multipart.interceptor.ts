import { CallHandler, ExecutionContext, Injectable, mixin, NestInterceptor, Type } from '@nestjs/common';
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import { DomainException } from './domain.exception';

/** A file field of a multipart body, as `@UploadedFiles()` hands it to the route. */
export interface MultipartFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

export interface MultipartOptions {
  /** Largest file accepted (bytes); a larger one is a 413 PAYLOAD_TOO_LARGE naming the field. */
  maxFileBytes?: number;
  /** Most files in one body (default 1,000). */
  maxFiles?: number;
  /** Largest text field (bytes, default 16 MiB: a JSON submission of many documents). */
  maxFieldBytes?: number;
}

type MultipartRequest = IncomingMessage & { raw?: IncomingMessage; body?: unknown; files?: MultipartFile[] };

/**
 * Reads a multipart/form-data body into `@Body()` (text fields) and `@UploadedFiles()` (file
 * fields, in memory), on either adapter, straight from the Node stream: the platform leaves
 * multipart bodies unread. Replaces @nestjs/platform-express' AnyFilesInterceptor, which exists
 * only on Express. A body that is not multipart is left as it is.
 *
 *   @UseInterceptors(MultipartFilesInterceptor({ maxFileBytes: 50 * 1024 * 1024 }))
 */
export function MultipartFilesInterceptor(options: MultipartOptions = {}): Type<NestInterceptor> {
  @Injectable()
  class Interceptor implements NestInterceptor {
    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      const request = context.switchToHttp().getRequest<MultipartRequest>();
      const stream = request.raw ?? request;
      if (/^multipart\/form-data\b/i.test(stream.headers['content-type'] ?? '')) {
        const { fields, files } = await readMultipart(stream, options);
        request.body = fields;
        request.files = files;
      }
      return next.handle();
    }
  }
  return mixin(Interceptor);
}

function readMultipart(stream: IncomingMessage, options: MultipartOptions): Promise<{ fields: Record<string, string>; files: MultipartFile[] }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: MultipartFile[] = [];
    let failed = false;
    const fail = (error: DomainException): void => {
      if (failed) return;
      failed = true;
      stream.unpipe(parser);
      // The rest of the body is drained by Node once the error response is sent.
      reject(error);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: stream.headers,
        limits: { files: options.maxFiles ?? 1_000, fileSize: options.maxFileBytes ?? Infinity, fieldSize: options.maxFieldBytes ?? 16 * 1024 * 1024 },
      });
    } catch (error) {
      reject(new DomainException('INVALID_MULTIPART', `The multipart body cannot be read: ${(error as Error).message}`, 400, [{ field: 'body', reason: (error as Error).message }]));
      return;
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new DomainException('PAYLOAD_TOO_LARGE', `The field ${name} is larger than this service accepts`, 413, [{ field: name, reason: 'too large' }]));
      fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.on('limit', () => fail(new DomainException('PAYLOAD_TOO_LARGE', `The file ${name} is larger than this service accepts`, 413, [{ field: name, reason: `larger than ${options.maxFileBytes} bytes` }])));
      file.on('end', () => {
        const buffer = Buffer.concat(chunks);
        files.push({ fieldname: name, originalname: info.filename ?? '', mimetype: info.mimeType, size: buffer.length, buffer });
      });
    });
    parser.on('filesLimit', () => fail(new DomainException('PAYLOAD_TOO_LARGE', `The body holds more than ${options.maxFiles ?? 1_000} files`, 413, [{ field: 'body', reason: 'too many files' }])));
    parser.on('error', (error: Error) => fail(new DomainException('INVALID_MULTIPART', `The multipart body cannot be read: ${error.message}`, 400, [{ field: 'body', reason: error.message }])));
    parser.on('close', () => {
      if (!failed) resolve({ fields, files });
    });
    stream.on('aborted', () => fail(new DomainException('REQUEST_ABORTED', 'The client closed the request before its body was complete', 400)));
    stream.pipe(parser);
  });
}
