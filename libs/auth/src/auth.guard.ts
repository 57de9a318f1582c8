import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ActorRole } from '@dmp/domain';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { AuthErrorCode, AuthenticatedRequest, forbidden, unauthorized } from './auth.errors';
import { TokenError, TokenVerifier } from './token';

const BEARER = /^Bearer +([A-Za-z0-9._-]+) *$/i;

interface RouteAccess {
  isPublic: boolean;
  roles: ActorRole[] | undefined;
}

/**
 * Registered globally by AuthModule: every HTTP route needs a valid bearer token unless it is
 * @Public(), and @Roles(...) restricts who may call. Kafka handlers of the hybrid app go
 * through guards too (inheritAppConfig) and are let through: their input is validated events.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  // Decorator metadata is fixed once the app is built: read it once per route, not per request.
  private readonly access = new WeakMap<object, WeakMap<object, RouteAccess>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { isPublic, roles } = this.routeAccess(context.getHandler(), context.getClass());
    if (isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    try {
      request.actor = this.authenticate(request.headers.authorization);
    } catch (error) {
      // RFC 6750: tell the client which scheme to use.
      // Fastify's reply has header(), Express' response both header() and setHeader().
      const reply = http.getResponse<{ header?: (name: string, value: string) => unknown; setHeader?: (name: string, value: string) => unknown }>();
      if (reply.header) reply.header('WWW-Authenticate', 'Bearer realm="dmp"');
      else reply.setHeader?.('WWW-Authenticate', 'Bearer realm="dmp"');
      throw error;
    }
    if (roles && roles.length > 0 && !roles.includes(request.actor.role)) {
      throw forbidden(`role ${request.actor.role} may not call this route (allowed: ${roles.join(', ')})`);
    }
    return true;
  }

  private routeAccess(handler: object, controller: object): RouteAccess {
    let byClass = this.access.get(handler);
    if (!byClass) this.access.set(handler, (byClass = new WeakMap()));
    let access = byClass.get(controller);
    if (!access) {
      const targets = [handler as () => unknown, controller as () => unknown];
      access = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true,
        roles: this.reflector.getAllAndOverride<ActorRole[] | undefined>(ROLES_KEY, targets),
      };
      byClass.set(controller, access);
    }
    return access;
  }

  private authenticate(header: string | string[] | undefined) {
    // The usual form, `Bearer <token>` with one space, of a token verified before: one map
    // lookup. The cache holds only tokens that passed every check, so a string that is not one
    // of them (other spacing, another case, a forged or altered token) takes the full path.
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      const cached = this.verifier.cachedAt(header.slice(7), Date.now());
      if (cached) return cached.actor;
    }
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
