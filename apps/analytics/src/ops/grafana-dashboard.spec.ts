import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const dashboardFile = join(root, 'docker', 'grafana', 'dashboards', 'dmp-operations.json');

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

// PromQL words and Prometheus' own series: everything else in an expression is one of our metrics.
const PROMQL = new Set(['sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'increase', 'clamp_min', 'histogram_quantile', 'up', 'e']);

/** Metric names an expression reads (label matchers, grouping labels and ranges removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(\.\d+)?(e-?\d+)?\b/g, ' ');
  return [...new Set(bare.match(/[a-z_][a-z0-9_]*/g) ?? [])].filter((word) => !PROMQL.has(word));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(name)) out.push(path);
  }
  return out;
}

/** A histogram or counter named `x` is queried as `x_bucket`, `x_total`... in PromQL. */
function declaredName(metric: string): string[] {
  return [metric, metric.replace(/_(bucket|sum|count)$/, '')];
}

describe('docker/grafana/dashboards/dmp-operations.json', () => {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid: string; panels: Panel[] };
  const code = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))].map((file) => readFileSync(file, 'utf8')).join('\n');

  it('reads the metrics of health, throughput, errors, outbox, lag and imports', () => {
    const names = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));

    for (const metric of ['dmp_ops_service_up', 'http_requests_total', 'dmp_events_handled_total', 'dmp_dead_letter_total', 'dmp_outbox_backlog', 'dmp_ops_consumer_lag', 'reimbursements_import_lines_done']) {
      expect(names).toContain(metric);
    }
  });

  it.each(
    JSON.parse(readFileSync(dashboardFile, 'utf8')).panels.flatMap((p: Panel) => (p.targets ?? []).map((t) => [p.title, t.expr])) as Array<[string, string]>,
  )('panel "%s" queries only metrics the code declares: %s', (_title, expr) => {
    const missing = metricNames(expr).filter((metric) => !declaredName(metric).some((name) => code.includes(`'${name}'`)));

    expect(missing).toEqual([]);
  });
});
