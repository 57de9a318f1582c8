import { BaseServiceConfig } from '@dmp/platform';
import { IsOptional, IsString, MinLength } from 'class-validator';

export class AnalyticsConfig extends BaseServiceConfig {
  static override serviceName = 'analytics';

  /**
   * CPAM offices with their covered population (CSV, see docs/readme/analytics.md); unset means
   * the shipped sample, the nine pilot CPAM of 2016-2018.
   */
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'must be a file path' })
  ANALYTICS_CPAM_REFERENCE_FILE?: string;
}
