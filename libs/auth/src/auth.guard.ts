import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ActorRole } from '@dmp/domain';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { AuthErrorCode, AuthenticatedRequest, forbidden, unauthorized } from './auth.errors';
import { TokenError, TokenVerifier } from './token';

const BEARER = /^Bearer +([A-Za-z0-9._-]+) *$/i;

/**
 * Registered globally by AuthModule: every HTTP route needs a valid bearer token unless it is
 * @Public(), and @Roles(...) restricts who may call. Kafka handlers of the hybrid app go
 * through guards too (inheritAppConfig) and are let through: their input is validated events.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    try {
      request.actor = this.authenticate(request.headers.authorization);
    } catch (error) {
      // RFC 6750: tell the client which scheme to use.
      http.getResponse<{ setHeader?: (name: string, value: string) => void }>().setHeader?.('WWW-Authenticate', 'Bearer realm="dmp"');
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<ActorRole[] | undefined>(ROLES_KEY, targets);
    if (roles && roles.length > 0 && !roles.includes(request.actor.role)) {
      throw forbidden(`role ${request.actor.role} may not call this route (allowed: ${roles.join(', ')})`);
    }
    return true;
  }

  private authenticate(header: string | string[] | undefined) {
    if (header === undefined || header === '') throw unauthorized(AuthErrorCode.TOKEN_MISSING, 'Authorization: Bearer <token> header is missing');
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) throw unauthorized(AuthErrorCode.MALFORMED, 'Authorization header must be "Bearer <token>"');
    try {
      return this.verifier.verify(match[1]).actor;
    } catch (error) {
      if (error instanceof TokenError) throw unauthorized(error.code, error.message);
      throw error;
    }
  }
}
