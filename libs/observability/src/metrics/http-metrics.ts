import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/** What the Fastify adapter's instance offers that the metrics need (no import of fastify here). */
interface FastifyHooks {
  addHook(name: 'onResponse', hook: (request: FastifyLikeRequest, reply: { statusCode: number; elapsedTime: number }, done: (error?: Error) => void) => void): unknown;
}
interface FastifyLikeRequest {
  method: string;
  routeOptions: { url?: string };
  is404?: boolean;
}

type ExpressLikeRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/**
 * Counts and times every HTTP request, including those a guard refuses or that match no route
 * (an interceptor would miss both), labelled by route template (`/records/:ins`, not the URL,
 * to bound cardinality). On Fastify an onResponse hook reads the matched route and the elapsed
 * time Fastify already measures; on Express a middleware reads the route on `finish`. Installed
 * by the platform once the app is created; /metrics itself is not counted.
 */
export function installHttpMetrics(app: INestApplication, metrics: MetricsService = app.get(MetricsService)): void {
  const requests: Counter<string> = metrics.httpRequests;
  const duration: Histogram<string> = metrics.httpDuration;
  const record = (method: string, route: string, status: number, ms: number): void => {
    if (route === '/metrics') return;
    // A fresh labels object costs ~20 ns; a cache keyed by a string built per request cost more.
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, ms / 1e3);
  };
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    const instance = adapter.getInstance() as FastifyHooks;
    // A callback hook, not an async one: Fastify then runs it without a promise per request.
    instance.addHook('onResponse', (request, reply, done) => {
      try {
        record(request.method, request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'), reply.statusCode, reply.elapsedTime);
      } catch (error) {
        // What the async hook's rejection did: Fastify's onResponse error path (a log line).
        done(error as Error);
        return;
      }
      done();
    });
    return;
  }
  app.use((request: ExpressLikeRequest, response: ServerResponse, next: () => void) => {
    const started = performance.now();
    response.once('finish', () => {
      const routePath = request.route?.path;
      record(request.method ?? 'GET', routePath ? `${request.baseUrl ?? ''}${routePath}` : 'unmatched', response.statusCode, performance.now() - started);
    });
    next();
  });
}
