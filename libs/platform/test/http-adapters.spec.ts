import { Body, Controller, Get, INestApplication, Module, Post, Res, StreamableFile, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsString, Length } from 'class-validator';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { AuthModule, CurrentActor, Public, Roles, issueDevToken, type Actor } from '@dmp/auth';
import { ActorRole } from '@dmp/domain';
import { MetricsService } from '@dmp/observability';
import { waitFor } from '@dmp/testing';
import { DomainException, HTTP_ADAPTERS, MultipartFilesInterceptor, RequestStream, configureHttpApp, createHttpAdapter, httpAdapterName, type MultipartFile } from '../src';

const SECRET = 'http-adapters-test-secret-0123456789';
const operator = { role: ActorRole.OPERATOR, operatorId: 'ops-1' } as Actor;
const auth = { authorization: `Bearer ${issueDevToken(operator, SECRET)}` };

class NameDto {
  @IsString()
  @Length(1, 10)
  name!: string;
}

@Controller('t')
@Roles(ActorRole.OPERATOR)
class AdapterTestController {
  @Get('items/:id')
  item(@CurrentActor() actor: Actor): { role: string } {
    return { role: actor.role };
  }

  @Post('names')
  name(@Body() body: NameDto): { name: string } {
    return { name: body.name };
  }

  @Post('upload')
  async upload(@RequestStream() stream: IncomingMessage): Promise<{ bytes: number; type: string | undefined }> {
    let bytes = 0;
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { bytes, type: stream.headers['content-type'] };
  }

  @Post('form')
  @UseInterceptors(MultipartFilesInterceptor({ maxFileBytes: 64 }))
  form(@Body() fields: Record<string, string>, @UploadedFiles() files: MultipartFile[] | undefined): { fields: Record<string, string>; files: Array<{ field: string; text: string }> } {
    return { fields, files: (files ?? []).map((f) => ({ field: f.fieldname, text: f.buffer.toString('utf8') })) };
  }

  @Get('lines')
  lines(): StreamableFile {
    return new StreamableFile(Readable.from(['a\n', 'b\n']), { type: 'application/x-ndjson' });
  }

  @Get('csv')
  csv(@Res({ passthrough: true }) res: { header(name: string, value: string): unknown }): string {
    res.header('content-type', 'text/csv; charset=utf-8');
    return 'x,y\n';
  }

  @Get('refused')
  refused(): never {
    throw new DomainException('RECORD_CLOSED', 'the record is closed', 409, [{ field: 'ins', reason: 'closed' }]);
  }

  @Get('open')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [AuthModule.forRoot({ secret: SECRET, devIssuer: false })], controllers: [AdapterTestController], providers: [MetricsService] })
class AdapterTestModule {}

describe.each(HTTP_ADAPTERS)('configureHttpApp on %s', (adapter) => {
  let sut: INestApplication;
  let url: string;

  beforeAll(async () => {
    sut = await NestFactory.create(AdapterTestModule, createHttpAdapter(adapter, { bodyLimit: '1kb' }), { logger: false, bodyParser: false });
    configureHttpApp(sut, { bodyLimit: '1kb' });
    await sut.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(sut.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await sut.close();
  });

  const post = (path: string, body: string | FormData | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body });

  it('runs on the adapter it was asked for', () => {
    expect(httpAdapterName(sut)).toBe(adapter);
  });

  it('answers a validated JSON body', async () => {
    const response = await post('/t/names', JSON.stringify({ name: 'Ana' }), { 'content-type': 'application/json' });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'Ana' });
  });

  it('answers malformed JSON with a 400 INVALID_JSON', async () => {
    const response = await post('/t/names', '{"name":', { 'content-type': 'application/json' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
  });

  it('answers an empty JSON body with a 400 naming the missing field', async () => {
    const response = await post('/t/names', '', { 'content-type': 'application/json' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: expect.arrayContaining([expect.objectContaining({ field: 'name' })]) });
  });

  it('answers a JSON body over the limit with a 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post('/t/names', JSON.stringify({ name: 'x'.repeat(2048) }), { 'content-type': 'application/json' });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses a body of another type where a DTO is expected with a 400, not a 500', async () => {
    const response = await post('/t/names', 'name=Ana', { 'content-type': 'text/plain' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('hands a route the raw body stream, whatever its size and type', async () => {
    const body = new Uint8Array(300_000).fill(65);
    const response = await post('/t/upload', body, { 'content-type': 'text/csv' });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ bytes: 300_000, type: 'text/csv' });
  });

  it('reads multipart fields and files', async () => {
    const form = new FormData();
    form.set('submission', '{"a":1}');
    form.set('document.0', new Blob(['hello']), 'a.txt');
    const response = await post('/t/form', form);

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ fields: { submission: '{"a":1}' }, files: [{ field: 'document.0', text: 'hello' }] });
  });

  it('refuses a multipart file over its limit with a 413 naming the field', async () => {
    const form = new FormData();
    form.set('document.0', new Blob(['x'.repeat(100)]), 'a.txt');
    const response = await post('/t/form', form);

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', errors: [{ field: 'document.0' }] });
  });

  it('streams a StreamableFile with its content type', async () => {
    const response = await fetch(`${url}/t/lines`, { headers: auth });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await response.text()).toBe('a\nb\n');
  });

  it('keeps headers a route sets on a passthrough response', async () => {
    const response = await fetch(`${url}/t/csv`, { headers: auth });

    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe('x,y\n');
  });

  it('answers a missing token with 401, the error shape and WWW-Authenticate', async () => {
    const response = await fetch(`${url}/t/items/1`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="dmp"');
    expect(await response.json()).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
  });

  it('maps a domain exception to its status, code and field errors', async () => {
    const response = await fetch(`${url}/t/refused`, { headers: auth });

    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ statusCode: 409, code: 'RECORD_CLOSED', message: 'the record is closed', errors: [{ field: 'ins', reason: 'closed' }] });
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const response = await fetch(`${url}/nowhere`, { headers: auth });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('counts requests by route template, refused and unmatched ones included', async () => {
    const metrics = sut.get(MetricsService);
    const count = async (route: string, status: string): Promise<number> =>
      (await metrics.httpRequests.get()).values.find((v) => v.labels['route'] === route && v.labels['status'] === status && v.labels['method'] === 'GET')?.value ?? 0;
    const before = { ok: await count('/t/items/:id', '200'), refused: await count('/t/items/:id', '401'), unmatched: await count('unmatched', '404') };

    await (await fetch(`${url}/t/items/7`, { headers: auth })).text();
    await (await fetch(`${url}/t/items/8`)).text();
    await (await fetch(`${url}/elsewhere`)).text();

    // Counted once the response is finished, which the client may see first.
    await waitFor(async () => (await count('unmatched', '404')) > before.unmatched, { timeoutMs: 5_000 });
    expect(await count('/t/items/:id', '200')).toBe(before.ok + 1);
    expect(await count('/t/items/:id', '401')).toBe(before.refused + 1);
    expect(await count('unmatched', '404')).toBe(before.unmatched + 1);
  });
});
