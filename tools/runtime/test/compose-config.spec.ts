import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { BaseServiceConfig, configVariables, loadConfig } from '@dmp/platform';
import { SERVICES } from '../src/plan';

type ConfigClass = (new () => BaseServiceConfig) & { serviceName?: string };

const root = join(__dirname, '..', '..', '..');
// Compose files use YAML merge keys (<<: *anchor), an opt-in tag in js-yaml.
const compose = load(readFileSync(join(root, 'docker', 'docker-compose.yml'), 'utf8'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as {
  services: Record<string, { environment?: Record<string, string | number | boolean | null> }>;
};

/** The config schema of an app: the class its config.ts exports that extends BaseServiceConfig. */
function schemaOf(service: string): ConfigClass | undefined {
  const file = join(root, 'apps', service, 'src', 'config.ts');
  if (!existsSync(file)) return undefined;
  // Loaded by path: a test of a tool must not import an app through the module graph.
  const exported = require(file) as Record<string, unknown>;
  return Object.values(exported).find(
    (value): value is ConfigClass => typeof value === 'function' && value.prototype instanceof BaseServiceConfig,
  );
}

/** Compose interpolation of ${VAR}, ${VAR:-default} and ${VAR:?message}, with the given variables. */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
    if (variables[name]) return variables[name]!;
    if (kind === '-') return rest ?? '';
    throw new Error(`compose needs ${name}: ${rest ?? ''}`);
  });
}

describe('docker/docker-compose.yml', () => {
  describe.each(SERVICES.map((s) => s.name))('service %s', (service) => {
    const environment = compose.services[service]?.environment ?? {};
    const schema = schemaOf(service) ?? (BaseServiceConfig as ConfigClass);

    it('is in the compose file with an environment', () => {
      expect(Object.keys(environment).length).toBeGreaterThan(0);
    });

    it('sets only variables its config schema declares', () => {
      const declared = new Set(configVariables(schema));

      expect(Object.keys(environment).filter((name) => !declared.has(name))).toEqual([]);
    });

    it('sets every variable its config schema declares', () => {
      const set = new Set(Object.keys(environment));

      expect(configVariables(schema).filter((name) => !set.has(name))).toEqual([]);
    });

    it('sets values the schema accepts', () => {
      const env = Object.fromEntries(
        Object.entries(environment).map(([name, value]) => [
          name,
          interpolate(String(value ?? ''), { AUTH_TOKEN_SECRET: 'a-production-secret-of-at-least-32-characters' }),
        ]),
      );

      expect(() => loadConfig(schema, env, { serviceName: service })).not.toThrow();
    });
  });

  it('scrapes the /metrics of every service with Prometheus', () => {
    const prometheus = readFileSync(join(root, 'docker', 'prometheus', 'prometheus.yml'), 'utf8');

    for (const { name, port } of SERVICES) expect(prometheus).toContain(`'${name}:${port}'`);
  });

  it('provisions a dashboard whose panels query the platform metrics', () => {
    const dashboard = readFileSync(join(root, 'docker', 'grafana', 'dashboards', 'dmp-overview.json'), 'utf8');

    for (const metric of ['http_requests_total', 'dmp_consumer_lag', 'dmp_outbox_backlog', 'dmp_dead_letter_total', 'up']) {
      expect(dashboard).toContain(metric);
    }
  });
});
