import { JsonLogger } from '../src';

function collect(level?: 'debug' | 'info' | 'warn' | 'error'): { sut: JsonLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sut = new JsonLogger({ service: 'enrolment', instance: 'enrolment-1', level, write: (line) => lines.push(JSON.parse(line)) });
  return { sut, lines };
}

describe(JsonLogger.name, () => {
  it('writes one JSON object per log with time, level, service, instance, context and msg', () => {
    const { sut, lines } = collect();

    sut.log('record opened', 'RecordsService');

    expect(lines).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', service: 'enrolment', instance: 'enrolment-1', context: 'RecordsService', msg: 'record opened' },
    ]);
  });

  it('puts the fields of an object message at the top level', () => {
    const { sut, lines } = collect();

    sut.warn({ msg: 'relay slow', backlog: 120 }, 'OutboxRelay');

    expect(lines[0]).toMatchObject({ level: 'warn', context: 'OutboxRelay', msg: 'relay slow', backlog: 120 });
  });

  it('keeps the stack Nest passes with an error', () => {
    const { sut, lines } = collect();

    sut.error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');

    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', stack: 'Error: boom\n    at x', context: 'ExceptionsHandler' });
  });

  it('describes an Error message with its name, message and stack', () => {
    const { sut, lines } = collect();

    sut.error(new TypeError('bad type'));

    expect(lines[0]).toMatchObject({ msg: 'bad type', err: { name: 'TypeError', message: 'bad type', stack: expect.any(String) } });
  });

  it('drops logs below its level', () => {
    const { sut, lines } = collect('warn');

    sut.debug('noise');
    sut.log('info noise');
    sut.verbose('more noise');
    sut.error('kept');

    expect(lines.map((l) => l['msg'])).toEqual(['kept']);
  });

  it('survives circular and bigint values', () => {
    const { sut, lines } = collect();
    const loop: Record<string, unknown> = { offset: 10n };
    loop['self'] = loop;

    sut.log({ msg: 'odd', loop });

    expect(lines[0]).toMatchObject({ msg: 'odd', loop: { offset: '10', self: '[circular]' } });
  });
});
