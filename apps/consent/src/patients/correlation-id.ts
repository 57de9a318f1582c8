import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** The caller's x-correlation-id (short and printable) or a fresh one, carried into events. */
export const CorrelationId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['x-correlation-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,200}$/.test(value) ? value : randomUUID();
});
