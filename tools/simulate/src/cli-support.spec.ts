import { CliUsageError, parseSimulateArgs, progressLine } from './cli-support';

describe(parseSimulateArgs.name, () => {
  it('defaults to seed 42, scale 1 and the npm start ports', () => {
    const sut = parseSimulateArgs([]);

    expect(sut).toMatchObject({ seed: 42, scale: 1, quiet: false });
    expect(sut.endpoints).toEqual({
      enrolment: 'http://127.0.0.1:3001',
      documents: 'http://127.0.0.1:3002',
      reimbursements: 'http://127.0.0.1:3003',
      consent: 'http://127.0.0.1:3004',
      analytics: 'http://127.0.0.1:3005',
    });
  });

  it('reads the seed, scale, output, brokers, feed delivery and a port offset', () => {
    const sut = parseSimulateArgs([
      '--seed',
      '7',
      '--scale',
      '0.5',
      '--out',
      'l.json',
      '--brokers',
      'a:1,b:2',
      '--feed-delivery',
      'upload,announcement',
      '--port-offset',
      '100',
      '--documents',
      'http://h:9/',
    ]);

    expect(sut).toMatchObject({
      seed: 7,
      scale: 0.5,
      out: 'l.json',
      kafkaBrokers: ['a:1', 'b:2'],
      feedDelivery: ['upload', 'announcement'],
    });
    expect(sut.endpoints.enrolment).toBe('http://127.0.0.1:3101');
    expect(sut.endpoints.documents).toBe('http://h:9');
  });

  it('reads the campaign switch and the Kafka submission size', () => {
    const sut = parseSimulateArgs(['--no-bulk-openings', '--submission-size', '20']);

    expect(sut).toMatchObject({ bulkOpenings: false, submissionSize: 20 });
  });

  it.each([
    [['--scale', '0'], '--scale'],
    [['--seed', '-1'], '--seed'],
    [['--feed-delivery', 'ftp'], '--feed-delivery'],
    [['--brokers', 'localhost'], '--brokers'],
    [['--enrolment', 'not a url'], '--enrolment'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--submission-size', '1001'], '--submission-size'],
  ])('refuses %j naming the option', (argv, named) => {
    expect(() => parseSimulateArgs(argv)).toThrow(CliUsageError);
    expect(() => parseSimulateArgs(argv)).toThrow(named);
  });
});

describe(progressLine.name, () => {
  it('shows the phase, each kind done over planned, the rate and the retries', () => {
    const sut = progressLine({
      phase: 'documents',
      elapsedMs: 12_345,
      done: { openings: 500, authorisations: 400, documents: 120, feedFiles: 3, consultations: 0 },
      planned: {
        openings: 504,
        authorisations: 432,
        documents: 1008,
        feedFiles: 5,
        consultations: 245,
      },
      ratePerSecond: 45.25,
      retries: 3,
      unknown: 0,
    });

    expect(sut).toBe(
      '[  12.3 s] documents      openings 500/504  authorisations 400/432  documents 120/1008  feed files 3/5  visits 0/245  45.3 actions/s  (3 retries)',
    );
  });
});
