import { QueryFailedError } from 'typeorm';
import { isTransientInfrastructureError } from './event-consumer';
import { NonRetryableError } from './non-retryable.error';

function withCode(code: string): Error {
  return Object.assign(new Error('boom'), { code });
}

describe(isTransientInfrastructureError.name, () => {
  it.each(['ECONNREFUSED', '57P01', '08006', '40P01', '40001'])(
    'treats %s as an outage, not a poison event',
    (code) => {
      expect(isTransientInfrastructureError(withCode(code))).toBe(true);
    },
  );

  it('looks through TypeORM query errors to the driver code', () => {
    const sut = new QueryFailedError('SELECT 1', [], withCode('57P01'));

    expect(isTransientInfrastructureError(sut)).toBe(true);
  });

  it('recognises a pool that cannot connect', () => {
    expect(
      isTransientInfrastructureError(new Error('timeout exceeded when trying to connect')),
    ).toBe(true);
  });

  it('leaves handler failures and constraint violations to the retry-then-dead-letter path', () => {
    expect(isTransientInfrastructureError(new Error('record not found'))).toBe(false);
    expect(isTransientInfrastructureError(withCode('23505'))).toBe(false);
    expect(isTransientInfrastructureError(new NonRetryableError('closed'))).toBe(false);
  });
});
