import { DataSource } from 'typeorm';
import { findSchemaDrift } from '@dmp/persistence';
import { anOperator, authHeader, startTestApp, testConfig, waitFor, type TestApp } from '@dmp/testing';
import { ReferenceAppModule } from './support/reference-app.module';
import { ReferenceConfig } from './support/reference.config';

const operator = anOperator().build();

async function getJson(url: string, headers: Record<string, string> = authHeader(operator)): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (metrics)
  }
  return { status: response.status, body, text };
}

async function postJson(url: string, payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeader(operator) },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('bootServiceApp with PlatformModule.forService', () => {
  let sut: TestApp;
  const logs: string[] = [];

  beforeAll(async () => {
    const config = await testConfig(ReferenceConfig, { REFERENCE_GREETING: 'bonjour', LOG_LEVEL: 'info' });
    sut = await startTestApp(ReferenceAppModule.forRoot(config), config, { logWrite: (line) => logs.push(line) });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('answers /health/live with 200 without a token', async () => {
    const live = await getJson(`${sut.url}/health/live`, {});

    expect(live.status).toBe(200);
    expect(live.body['status']).toBe('ok');
  });

  it('answers /health/ready with 200 once migrations ran and database and Kafka are reachable', async () => {
    const ready = await getJson(`${sut.url}/health/ready`, {});

    expect(ready.status).toBe(200);
    expect(ready.body['info']).toMatchObject({ instance: { status: 'up' }, database: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('runs the migrations at boot so the schema matches the entities', async () => {
    const drift = await findSchemaDrift(sut.app.get(DataSource));

    expect(drift).toEqual([]);
  });

  it('persists through the service database and injects the service config by its class', async () => {
    const created = await postJson(`${sut.url}/widgets`, { name: 'gear', tags: [{ label: 'metal' }] });
    const fetched = await getJson(`${sut.url}/widgets/${String(created.body['id'])}`);

    expect(created).toMatchObject({ status: 201, body: { greeting: 'bonjour' } });
    expect(fetched.body).toMatchObject({ name: 'gear', tags: ['metal'] });
  });

  it('counts HTTP requests by route template on /metrics', async () => {
    await getJson(`${sut.url}/widgets/00000000-0000-4000-8000-000000000000`);

    const metrics = await getJson(`${sut.url}/metrics`, {});

    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/http_requests_total\{method="GET",route="\/widgets\/:id",status="404"\} [1-9]/);
    expect(metrics.text).toContain('http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('refuses a business route without a token with a 401 in the error shape', async () => {
    const response = await getJson(`${sut.url}/widgets/00000000-0000-4000-8000-000000000000`, {});

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401, code: expect.any(String), message: expect.any(String) });
  });

  it('refuses an invalid body with a 400 naming the nested field and the reason', async () => {
    const response = await postJson(`${sut.url}/widgets`, { name: '', tags: [{ label: 'ok' }, { label: 42 }] });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(response.body['errors']).toEqual(
      expect.arrayContaining([
        { field: 'name', reason: expect.stringContaining('name must be longer than or equal to 1') },
        { field: 'tags[1].label', reason: 'label must be a string' },
      ]),
    );
  });

  it('refuses an unknown property with a 400 naming it', async () => {
    const response = await postJson(`${sut.url}/widgets`, { name: 'a', tags: [], colour: 'red' });

    expect(response.status).toBe(400);
    expect(response.body['errors']).toEqual([{ field: 'colour', reason: 'property colour should not exist' }]);
  });

  it('refuses a body that is not an object with a 400, not a 500', async () => {
    const response = await postJson(`${sut.url}/widgets`, '[1, 2]');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'body', reason: 'must be a JSON object, not an array' }],
    });
  });

  it('answers malformed JSON with a 400 INVALID_JSON, not a 500', async () => {
    const response = await postJson(`${sut.url}/widgets`, '{"name": ');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
  });

  it('answers a body over the limit with a 413', async () => {
    const response = await postJson(`${sut.url}/widgets`, { name: 'x'.repeat(1_100_000), tags: [] });

    expect(response).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('maps a domain exception to its status and code', async () => {
    const response = await getJson(`${sut.url}/widgets/00000000-0000-4000-8000-000000000000`);

    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      statusCode: 404,
      code: 'WIDGET_NOT_FOUND',
      message: 'no widget 00000000-0000-4000-8000-000000000000',
      errors: [],
    });
  });

  it('hides an unexpected error behind a 500 with an error id that is in the log', async () => {
    const response = await getJson(`${sut.url}/widgets/boom`);

    expect(response.status).toBe(500);
    expect(response.text).not.toContain('secret internal detail');
    const errorId = String(response.body['errorId']);
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['errorId'] === errorId);
    expect(logged).toMatchObject({ level: 'error', service: 'reference', msg: 'unhandled error' });
  });

  it('serves the OpenAPI document at /docs', async () => {
    const document = await getJson(`${sut.url}/docs/openapi.json`);

    expect(document.status).toBe(200);
    expect(Object.keys(document.body['paths'] as object)).toEqual(expect.arrayContaining(['/widgets', '/widgets/{id}']));
  });

  it('writes JSON log lines carrying service and instance', async () => {
    const ready = await waitFor(() => logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e['msg'] === 'service ready'));

    expect(ready).toMatchObject({ level: 'info', service: 'reference', instance: sut.config.INSTANCE_ID, context: 'Boot' });
  });
});
