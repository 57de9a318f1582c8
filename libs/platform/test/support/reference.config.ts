import { IsString, MinLength } from 'class-validator';
import { BaseServiceConfig } from '../../src';

/** Config of the reference service: the base plus one service-specific, prefixed variable. */
export class ReferenceConfig extends BaseServiceConfig {
  static override serviceName = 'reference';

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  REFERENCE_GREETING = 'hello';
}
