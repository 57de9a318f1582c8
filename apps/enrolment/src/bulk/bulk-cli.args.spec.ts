import { UsageError, parseBulkCliArgs, renderProgress } from './bulk-cli.args';

describe(parseBulkCliArgs.name, () => {
  it('infers the format from the extension and names the result file after the input', () => {
    const sut = parseBulkCliArgs(['--file', 'campaign.csv', '--token', 't'], {});
    expect(sut).toEqual({ file: 'campaign.csv', format: 'csv', url: 'http://127.0.0.1:3001', token: 't', devActor: null, out: 'campaign.csv.results.ndjson', resultsFormat: 'ndjson', progress: true });
  });

  it('takes the URL and token from the environment', () => {
    const sut = parseBulkCliArgs(['--file', 'x.ndjson', '--no-progress'], { ENROLMENT_URL: 'http://h:1/', ENROLMENT_TOKEN: 'env' });
    expect(sut).toMatchObject({ format: 'ndjson', url: 'http://h:1', token: 'env', progress: false });
  });

  it('refuses a missing file, a missing credential and an unknown option', () => {
    expect(() => parseBulkCliArgs(['--token', 't'], {})).toThrow(new UsageError('--file is required'));
    expect(() => parseBulkCliArgs(['--file', 'a.csv'], {})).toThrow('give --token (or ENROLMENT_TOKEN) or --dev-actor');
    expect(() => parseBulkCliArgs(['--file', 'a.csv', '--token', 't', '--colour', 'red'], {})).toThrow('unknown option --colour');
    expect(() => parseBulkCliArgs(['--file', 'a.txt', '--token', 't'], {})).toThrow('--format must be csv or ndjson');
  });
});

describe(renderProgress.name, () => {
  it('draws a bar with the percentage, the counts and the rate', () => {
    expect(renderProgress(45_000, 100_000, 12_345, 20)).toBe('[#########-----------]  45.0%  45,000/100,000 rows  12,345 rows/s');
  });

  it('shows only the count when the total is unknown', () => {
    expect(renderProgress(10, null, null)).toBe('10 rows');
  });
});
