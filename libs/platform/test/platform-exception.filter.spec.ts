import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { DomainException, PlatformExceptionFilter, codeForStatus, flattenValidationErrors, isDatabaseUnavailable } from '../src';

const request = { method: 'GET', url: '/x' };

describe(PlatformExceptionFilter.name, () => {
  const sut = new PlatformExceptionFilter();

  it('keeps the status, code and field errors of a domain exception', () => {
    const body = sut.toBody(new DomainException('RECORD_ALREADY_OPEN', 'a record is open', 409, [{ field: 'ins', reason: 'taken' }]), request);

    expect(body).toEqual({ statusCode: 409, code: 'RECORD_ALREADY_OPEN', message: 'a record is open', errors: [{ field: 'ins', reason: 'taken' }] });
  });

  it('derives the code of a Nest HttpException from its status', () => {
    expect(sut.toBody(new NotFoundException('no such record'), request)).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'no such record',
      errors: [],
    });
  });

  it('keeps the code and errors an HttpException body already carries (the auth guard does)', () => {
    const exception = new ForbiddenException({ statusCode: 403, code: 'ROLE_NOT_ALLOWED', message: 'patients only', errors: [] });

    expect(sut.toBody(exception, request)).toEqual({ statusCode: 403, code: 'ROLE_NOT_ALLOWED', message: 'patients only', errors: [] });
  });

  it('joins the message list of a Nest exception', () => {
    const body = sut.toBody(new ConflictException(['first', 'second']), request);

    expect(body.message).toBe('first; second');
  });

  it('answers an unknown error with a 500 carrying only an error id', () => {
    const body = sut.toBody(new Error('password=hunter2 in a stack'), request);

    expect(body).toEqual({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: `Internal error; reference ${body.errorId}`,
      errors: [],
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server shutting down (57P01), wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) })],
    ['a connection exception class 08', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
  ])('answers %s with a 503 the client may retry, not a 500', (_case, error) => {
    const body = sut.toBody(error, request);

    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', errors: [], errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('still answers a query error that is not about the connection with a 500', () => {
    const error = Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('division by zero'), { code: '22012' }) });

    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(sut.toBody(error, request)).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });

  it('keeps the 4xx status of an error thrown by Express middleware', () => {
    const error = Object.assign(new Error('request aborted'), { status: 400, type: 'request.aborted', expose: true });

    expect(sut.toBody(error, request)).toMatchObject({ statusCode: 400, code: 'REQUEST_ABORTED' });
  });

  it('names a status without a Nest name generically', () => {
    expect(codeForStatus(499)).toBe('REQUEST_FAILED');
    expect(codeForStatus(422)).toBe('UNPROCESSABLE_ENTITY');
  });
});

describe(flattenValidationErrors.name, () => {
  function error(property: string, constraints: Record<string, string> | undefined, children: ValidationError[] = []): ValidationError {
    return Object.assign(new ValidationError(), { property, constraints, children });
  }

  it('names nested fields with dots and array indexes with brackets', () => {
    const tree = [error('items', undefined, [error('2', undefined, [error('code', { isString: 'code must be a string' })])]), error('ins', { length: 'bad length' })];

    expect(flattenValidationErrors(tree)).toEqual([
      { field: 'items[2].code', reason: 'code must be a string' },
      { field: 'ins', reason: 'bad length' },
    ]);
  });
});
