import { SetMetadata } from '@nestjs/common';

/**
 * Marks the observability routes as needing no token. The metadata key is the one @dmp/auth's
 * `@Public()` sets ('isPublic', the usual Nest convention); observability cannot import auth
 * (auth depends on nothing of ours but the layering keeps util libraries independent).
 */
export const IS_PUBLIC_KEY = 'isPublic';
export const PublicRoute = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC_KEY, true);
