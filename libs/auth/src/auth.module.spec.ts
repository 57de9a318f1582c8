import { Controller, Get, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ActorRole, Profession } from '@dmp/domain';
import { Actor } from './actor';
import { CurrentActor, Public, Roles } from './auth.decorators';
import { AuthModule } from './auth.module';
import { TokenSigner, issueDevToken } from './token';

const SECRET = 'guard-test-secret-0123456789';
const patient = { role: ActorRole.PATIENT, ins: '100017510100151' } as Actor;
const nurse = { role: ActorRole.PROFESSIONAL, rpps: '10123456781', profession: Profession.NURSE } as Actor;
const operator = { role: ActorRole.OPERATOR, operatorId: 'ops-1' } as Actor;

@Controller('records')
@Roles(ActorRole.PATIENT, ActorRole.PROFESSIONAL)
class RecordsTestController {
  @Get('me')
  me(@CurrentActor() actor: Actor): Actor {
    return actor;
  }

  @Get('patients-only')
  @Roles(ActorRole.PATIENT)
  patientsOnly(): { ok: true } {
    return { ok: true };
  }

  @Get('public')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }
}

async function startApp(devIssuer: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AuthModule.forRoot({ secret: SECRET, devIssuer })],
    controllers: [RecordsTestController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe(AuthModule.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp(true);
  });

  afterAll(async () => {
    await app.close();
  });

  it('puts the verified actor on the request', async () => {
    const res = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${issueDevToken(patient, SECRET)}`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual(patient);
  });

  it('answers 401 with the error shape when the token is missing', async () => {
    const res = await request(app.getHttpServer()).get('/records/me');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="dmp"');
    expect(res.body).toEqual({
      statusCode: 401,
      code: 'TOKEN_MISSING',
      message: 'Authorization: Bearer <token> header is missing',
      errors: [{ field: 'authorization', reason: 'Authorization: Bearer <token> header is missing' }],
    });
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz', 'TOKEN_MALFORMED'],
    ['a token signed with another secret', `Bearer ${issueDevToken(patient, 'not-the-service-secret')}`, 'TOKEN_BAD_SIGNATURE'],
    ['an expired token', `Bearer ${new TokenSigner(SECRET).sign(patient, { now: new Date('2019-01-01T00:00:00Z'), ttlSeconds: 60 }).token}`, 'TOKEN_EXPIRED'],
    ['garbage', 'Bearer abc.def.ghi', 'TOKEN_MALFORMED'],
  ])('answers 401 for %s', async (_case, header, code) => {
    const res = await request(app.getHttpServer()).get('/records/me').set('Authorization', header);

    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code });
  });

  it('accepts the scheme in any case and extra spaces, as before the shortcut for the usual form', async () => {
    const token = issueDevToken(patient, SECRET);
    const usual = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${token}`);
    const spaced = await request(app.getHttpServer()).get('/records/me').set('Authorization', `bearer   ${token}`);

    expect(usual.status).toBe(200);
    expect(spaced.status).toBe(200);
    expect(spaced.body).toEqual(patient);
  });

  it('refuses a token it accepted before once it has expired (the remembered verdict honours exp)', async () => {
    const started = Date.now();
    const token = new TokenSigner(SECRET).sign(patient, { ttlSeconds: 60 }).token;
    const accepted = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${token}`);
    // Only Date is faked (the clock the guard reads), past exp + the 30 s clock skew.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(started + 91_000);
    try {
      const refused = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${token}`);

      expect(accepted.status).toBe(200);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ statusCode: 401, code: 'TOKEN_EXPIRED' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers 403 naming the role when the route does not allow it', async () => {
    const res = await request(app.getHttpServer()).get('/records/patients-only').set('Authorization', `Bearer ${issueDevToken(nurse, SECRET)}`);

    expect(res.status).toBe(403);
    expect(res.body).toEqual({ statusCode: 403, code: 'ROLE_NOT_ALLOWED', message: 'role professional may not call this route (allowed: patient)', errors: [] });
  });

  it("applies the controller's roles when the method has none", async () => {
    const allowed = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${issueDevToken(nurse, SECRET)}`);
    const refused = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${issueDevToken(operator, SECRET)}`);

    expect(allowed.status).toBe(200);
    expect(refused.status).toBe(403);
  });

  it('lets public routes through without a token', async () => {
    const res = await request(app.getHttpServer()).get('/records/public');

    expect(res.status).toBe(200);
  });

  it('issues development tokens the guard accepts', async () => {
    const issued = await request(app.getHttpServer()).post('/dev/tokens').send({ role: 'patient', ins: '100017510100151', ttlSeconds: 120 });

    expect(issued.status).toBe(201);
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    const me = await request(app.getHttpServer()).get('/records/me').set('Authorization', `Bearer ${issued.body.token}`);
    expect(me.body).toEqual(patient);
  });

  it('refuses to issue a development token for an invalid actor, naming the field', async () => {
    const res = await request(app.getHttpServer()).post('/dev/tokens').send({ role: 'patient', ins: '100017510100152' });

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      code: 'INVALID_ACTOR',
      message: 'ins: INS key 52 does not match the NIR (expected 51)',
      errors: [{ field: 'ins', reason: 'INS key 52 does not match the NIR (expected 51)' }],
    });
  });

  it('refuses a development token lifetime out of range', async () => {
    const res = await request(app.getHttpServer()).post('/dev/tokens').send({ role: 'operator', operatorId: 'ops', ttlSeconds: -5 });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'ttlSeconds', reason: 'ttlSeconds must be an integer from 1 to 604800' }]);
  });
});

describe(`${AuthModule.name} without the development issuer`, () => {
  it('does not expose POST /dev/tokens', async () => {
    const app = await startApp(false);
    try {
      const res = await request(app.getHttpServer()).post('/dev/tokens').send({ role: 'patient', ins: '100017510100151' });

      expect(res.status).toBe(404);
      expect(res.body.token).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
