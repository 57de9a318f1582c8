import { deadLetterMessage, headerText } from './dead-letter';

describe(deadLetterMessage.name, () => {
  it('keeps the original key, value and headers and adds where it came from and why', () => {
    const sut = deadLetterMessage({
      topic: 'dmp.enrolment.record-opened.v1',
      partition: 2,
      consumerGroup: 'dmp-analytics',
      reason: 'value is not valid JSON',
      message: {
        key: Buffer.from('k'),
        value: Buffer.from('{oops'),
        headers: { 'event-type': Buffer.from('x') },
        offset: '41',
      },
    });

    expect(sut.key?.toString()).toBe('k');
    expect(sut.value?.toString()).toBe('{oops');
    expect(headerText(sut.headers, 'event-type')).toBe('x');
    expect(sut.headers).toMatchObject({
      'dlq-reason': 'value is not valid JSON',
      'dlq-original-topic': 'dmp.enrolment.record-opened.v1',
      'dlq-original-partition': '2',
      'dlq-original-offset': '41',
      'dlq-consumer-group': 'dmp-analytics',
    });
    expect(Date.parse(String(sut.headers['dlq-at']))).not.toBeNaN();
  });

  it('bounds the reason so that a huge error message cannot bloat the headers', () => {
    const sut = deadLetterMessage({
      topic: 't',
      partition: 0,
      consumerGroup: 'g',
      reason: 'x'.repeat(10_000),
      message: { key: null, value: null, headers: {}, offset: '0' },
    });

    expect(String(sut.headers['dlq-reason'])).toHaveLength(2000);
  });
});
