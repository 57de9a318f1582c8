import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Actor } from './actor';
import { TokenErrorCode } from './token';

/** The `code` of 401 and 403 bodies (docs/ARCHITECTURE.md error shape). */
export const AuthErrorCode = {
  TOKEN_MISSING: 'TOKEN_MISSING',
  ...TokenErrorCode,
  ROLE_NOT_ALLOWED: 'ROLE_NOT_ALLOWED',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  actor?: Actor;
}

export function unauthorized(code: AuthErrorCode, message: string): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, code, message, errors: [{ field: 'authorization', reason: message }] });
}

export function forbidden(message: string): ForbiddenException {
  return new ForbiddenException({ statusCode: 403, code: AuthErrorCode.ROLE_NOT_ALLOWED, message, errors: [] });
}
