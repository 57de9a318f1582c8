import { BadRequestException, Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { validateActor } from './actor';
import { Public } from './auth.decorators';
import { AUTH_OPTIONS, AuthModuleOptions } from './auth.options';
import { TokenSigner } from './token';

const MAX_DEV_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Development token issuer: anyone can become anyone, so AuthModule registers it only when
 * devIssuer is true (AUTH_DEV_ISSUER, never set in production).
 */
@Public()
@Controller('dev/tokens')
export class DevTokensController {
  constructor(
    private readonly signer: TokenSigner,
    @Inject(AUTH_OPTIONS) private readonly options: AuthModuleOptions,
  ) {}

  /** Body: an actor ({ "role": "patient", "ins": "..." }), optionally with ttlSeconds. */
  @Post()
  @HttpCode(201)
  issue(@Body() body: Record<string, unknown>): { token: string; expiresAt: string } {
    const actor = validateActor(body);
    const errors = actor.ok ? [] : [...actor.errors];
    const ttl = body?.ttlSeconds ?? this.options.devTokenTtlSeconds ?? 3600;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_DEV_TTL_SECONDS) {
      errors.push({ field: 'ttlSeconds', reason: `ttlSeconds must be an integer from 1 to ${MAX_DEV_TTL_SECONDS}` });
    }
    if (!actor.ok || errors.length > 0) {
      throw new BadRequestException({ statusCode: 400, code: 'INVALID_ACTOR', message: errors.map((e) => `${e.field}: ${e.reason}`).join('; '), errors });
    }
    const { token, expiresAt } = this.signer.sign(actor.value, { ttlSeconds: ttl as number });
    return { token, expiresAt };
  }
}
