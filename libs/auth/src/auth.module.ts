import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_OPTIONS, AuthModuleOptions } from './auth.options';
import { AuthGuard } from './auth.guard';
import { DevTokensController } from './dev-tokens.controller';
import { TokenSigner, TokenVerifier } from './token';

@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const names = { issuer: options.issuer, audience: options.audience };
    return {
      module: AuthModule,
      global: true,
      controllers: options.devIssuer ? [DevTokensController] : [],
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: TokenSigner, useValue: new TokenSigner(options.secret, { ...names, defaultTtlSeconds: options.devTokenTtlSeconds }) },
        { provide: TokenVerifier, useValue: new TokenVerifier(options.secret, { ...names, clockSkewSeconds: options.clockSkewSeconds }) },
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
      ],
      exports: [AUTH_OPTIONS, TokenSigner, TokenVerifier, AuthGuard],
    };
  }
}
