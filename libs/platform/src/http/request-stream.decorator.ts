import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/**
 * The request body as the Node stream it arrives on (an IncomingMessage), for routes that read
 * an upload as it streams (bulk campaign files, insurer feeds) instead of a parsed body. Works on
 * both adapters: Fastify's request wraps the stream (`raw`), Express' request is the stream. The
 * platform leaves bodies that are not JSON unread for such routes.
 */
export const RequestStream = createParamDecorator((_data: unknown, context: ExecutionContext): IncomingMessage => {
  const request = context.switchToHttp().getRequest<IncomingMessage & { raw?: IncomingMessage }>();
  return request.raw ?? request;
});
