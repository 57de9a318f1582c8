import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installHttpMetrics } from '@dmp/observability';
import { installBodyParsers, parseByteLimit, RequestBodyException } from './body-parsers';
import { PlatformExceptionFilter } from './platform-exception.filter';
import { createValidationPipe } from './validation';

/**
 * The HTTP engine under NestJS. Fastify is the default: it costs a fraction of Express 5 per
 * request (routing, request and reply objects; see docs/readme/http.md for the figures). Express
 * stays selectable (`HTTP_ADAPTER=express`) for a comparison or a regression hunt.
 */
export type HttpAdapterName = 'express' | 'fastify';
export const HTTP_ADAPTERS: readonly HttpAdapterName[] = ['fastify', 'express'];

export interface HttpAppOptions {
  /** Largest JSON body accepted ('1mb', '12mb', or bytes); default 1mb. */
  bodyLimit?: string | number;
}

export function createHttpAdapter(name: HttpAdapterName = 'fastify', options: HttpAppOptions = {}): AbstractHttpAdapter {
  if (name === 'express') return new ExpressAdapter();
  return new FastifyAdapter({
    bodyLimit: parseByteLimit(options.bodyLimit ?? '1mb'),
    // Logs are the JSON logger's (one line per event we choose), not Fastify's per request.
    logger: false,
    // `/records/` and `/records` are the same route, as they were on Express.
    routerOptions: { ignoreTrailingSlash: true },
  });
}

/** The name of the adapter an app runs on. */
export function httpAdapterName(app: INestApplication): HttpAdapterName {
  return app.getHttpAdapter().getType() === 'fastify' ? 'fastify' : 'express';
}

/**
 * Everything on the HTTP path of every service, whatever the adapter: JSON bodies with a limit
 * and error codes (INVALID_JSON, PAYLOAD_TOO_LARGE), the validation pipe, the exception filter
 * (one error shape), request metrics. Call once after NestFactory.create, before listen.
 */
export function configureHttpApp(app: INestApplication, options: HttpAppOptions = {}): void {
  const limit = options.bodyLimit ?? '1mb';
  if (httpAdapterName(app) === 'fastify') installFastifyBodyParsers(app.getHttpAdapter().getInstance() as FastifyInstance, parseByteLimit(limit));
  else {
    installBodyParsers(app, limit);
    const express = app.getHttpAdapter().getInstance() as { disable(name: string): void; set(name: string, value: unknown): void };
    express.disable('x-powered-by');
    // No ETag on API responses: Express hashes every JSON body (SHA-1) to compute it, and our
    // clients never revalidate (JSON answers are read once; documents set their own headers).
    express.set('etag', false);
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new PlatformExceptionFilter());
  installHttpMetrics(app);
}

/**
 * JSON (application/json and +json) parsed here rather than by Fastify's default parser, so a
 * broken body is a 400 INVALID_JSON and an empty one is `{}` as on Express. Any other content
 * type is left unread for the route to stream (bulk files, CSV imports) through
 * `@RequestStream()`, or is refused by the validation pipe when the route expects a DTO.
 * Multipart bodies are parsed by the multipart plug-in where a service registers it.
 */
function installFastifyBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  const parseJson = (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void): void => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.length === 0) return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new RequestBodyException('INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}`, 400));
    }
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, parseJson);
  fastify.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string', bodyLimit }, parseJson);
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}
