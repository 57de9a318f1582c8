import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/**
 * Counts and times every HTTP request, including those a guard refuses or that match no route
 * (an interceptor would miss both). The route label is Express' matched template
 * (`/records/:ins`), known only once the request is routed, hence read on `finish`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  // Looked up once: MetricsService's getters search the registry on every access.
  private readonly requests: Counter<string>;
  private readonly duration: Histogram<string>;

  constructor(metrics: MetricsService) {
    this.requests = metrics.httpRequests;
    this.duration = metrics.httpDuration;
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    response.once('finish', () => {
      const routePath = (request.route as { path?: string } | undefined)?.path;
      const route = routePath ? `${request.baseUrl ?? ''}${routePath}` : 'unmatched';
      if (route === '/metrics') return;
      const labels = { method: request.method, route, status: String(response.statusCode) };
      this.requests.inc(labels);
      this.duration.observe(labels, (performance.now() - started) / 1e3);
    });
    next();
  }
}
