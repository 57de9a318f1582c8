import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { ActorRole } from '@dmp/domain';
import { Actor } from './actor';
import { AuthenticatedRequest, unauthorized, AuthErrorCode } from './auth.errors';

export const IS_PUBLIC_KEY = 'dmp:auth:public';
export const ROLES_KEY = 'dmp:auth:roles';

/** The route (or every route of the controller) needs no token: health, metrics, the dev issuer. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Only these roles may call; the method's list replaces the controller's. No list: any valid token. */
export const Roles = (...roles: ActorRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** The verified actor of the request (put there by the guard). */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.actor) throw unauthorized(AuthErrorCode.TOKEN_MISSING, 'this route needs a bearer token');
  return request.actor;
});
