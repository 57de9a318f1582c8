import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { BaseServiceConfig, DEV_AUTH_TOKEN_SECRET, SERVICE_PORTS } from './base-service.config';
import { ConfigError, ConfigProblem } from './config-error';

type ConfigClass<T> = (new () => T) & { serviceName?: string };

export interface LoadConfigOptions {
  /** Overrides the schema's `static serviceName` for the per-service defaults. */
  serviceName?: string;
}

const SECRET = /SECRET|PASSWORD|TOKEN|KEY/;

/** Every variable a schema declares (validated properties and defaulted fields). */
export function configVariables<T extends object>(schema: ConfigClass<T>): string[] {
  const names = new Set<string>(Object.keys(new schema()));
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false)) {
    names.add(metadata.propertyName);
  }
  return [...names].sort();
}

/**
 * Reads a service's configuration from the environment: picks the variables the schema
 * declares, converts them (class-transformer), fills the defaults and validates
 * (class-validator). Empty values count as unset. Throws one ConfigError listing every bad
 * variable with its reason; secrets are never echoed.
 */
export function loadConfig<T extends BaseServiceConfig>(
  schema: ConfigClass<T>,
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): T {
  const serviceName = options.serviceName ?? schema.serviceName;
  const raw: Record<string, string> = {};
  for (const name of configVariables(schema)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw[name] = value;
  }
  const production = (raw['NODE_ENV'] ?? 'development') === 'production';
  const defaults: Record<string, string> = {};
  if (serviceName) {
    if (SERVICE_PORTS[serviceName] !== undefined) defaults['PORT'] = String(SERVICE_PORTS[serviceName]);
    defaults['DATABASE_URL'] = `postgres://postgres:postgres@127.0.0.1:54320/dmp_${serviceName}`;
    defaults['KAFKA_CLIENT_ID'] = `dmp-${serviceName}`;
  }
  if (!production) {
    defaults['AUTH_TOKEN_SECRET'] = DEV_AUTH_TOKEN_SECRET;
    defaults['AUTH_DEV_ISSUER'] = 'true';
  } else {
    defaults['AUTH_DEV_ISSUER'] = 'false';
  }
  const config = plainToInstance(schema, { ...defaults, ...raw });
  const problems: ConfigProblem[] = validateSync(config, { forbidUnknownValues: false, stopAtFirstError: true }).flatMap((error) =>
    describe(error, raw),
  );
  if (production && config.AUTH_DEV_ISSUER === true) {
    problems.push({ variable: 'AUTH_DEV_ISSUER', reason: 'must not be true when NODE_ENV=production' });
  }
  if (production && config.AUTH_TOKEN_SECRET === DEV_AUTH_TOKEN_SECRET) {
    problems.push({ variable: 'AUTH_TOKEN_SECRET', reason: 'must not be the development secret when NODE_ENV=production' });
  }
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => a.variable.localeCompare(b.variable)));
  return config;
}

function describe(error: ValidationError, raw: Record<string, string>): ConfigProblem[] {
  const variable = error.property;
  const given = raw[variable];
  const reasons = Object.values(error.constraints ?? {});
  if (reasons.length === 0) return (error.children ?? []).flatMap((child) => describe(child, raw));
  let reason = [...new Set(reasons)].join('; ');
  if (given === undefined) reason = `is required (${reason})`;
  else if (!SECRET.test(variable) && variable !== 'DATABASE_URL') reason += ` (got "${given}")`;
  return [{ variable, reason }];
}
