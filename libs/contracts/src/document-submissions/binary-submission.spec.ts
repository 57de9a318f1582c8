import { randomBytes, randomUUID } from 'node:crypto';
import { BINARY_SUBMISSION_MAGIC, DocumentSubmissionEvent, DocumentSubmissionPayload, EventEnvelope, createEvent, decodeSubmission, encodeBinarySubmission, serializeEvent } from '../index';
import { EstablishmentCategory, EstablishmentKind } from '@dmp/domain';

function anEnvelope(documents: object[]): EventEnvelope<DocumentSubmissionPayload> {
  return createEvent(
    DocumentSubmissionEvent,
    {
      submissionId: `sub-${randomUUID()}`,
      establishment: { finess: '590780193', kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.CHU },
      submittedAt: new Date().toISOString(),
      documents,
    } as never,
    { producer: 'chu', correlationId: randomUUID() },
  ) as EventEnvelope<DocumentSubmissionPayload>;
}

/** Rewrites one 4-byte big-endian field of an encoded message. */
function withUInt32(message: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt32BE(value, offset);
  return copy;
}

describe(decodeSubmission.name, () => {
  const bodies = [randomBytes(200 * 1024), Buffer.from('%PDF-1.7 short'), randomBytes(1)];
  const envelope = anEnvelope([{ documentId: 'a' }, { documentId: 'b' }, { documentId: 'c' }]);
  const sut = decodeSubmission;

  it('gives back the envelope and each body, in document order, from the binary encoding', () => {
    const result = sut(encodeBinarySubmission(envelope, bodies));
    if (!result.ok) throw new Error(result.reason);
    expect(result.envelope.eventId).toBe(envelope.eventId);
    expect(result.envelope.payload.documents).toEqual([{ documentId: 'a' }, { documentId: 'b' }, { documentId: 'c' }]);
    expect(result.envelope.payload.bodies?.map((b) => b.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
  });

  it('accepts a body of zero bytes (the document check refuses it, with its index)', () => {
    const result = sut(encodeBinarySubmission(anEnvelope([{ documentId: 'a' }]), [Buffer.alloc(0)]));
    expect(result.ok && result.envelope.payload.bodies?.[0].length).toBe(0);
  });

  it('still reads the JSON encoding, with no bodies', () => {
    const json = Buffer.from(serializeEvent(anEnvelope([{ documentId: 'a', bodyBase64: 'QUJD' }])).value);
    const result = sut(json);
    if (!result.ok) throw new Error(result.reason);
    expect(result.envelope.payload.bodies).toBeUndefined();
    expect(result.envelope.payload.documents).toEqual([{ documentId: 'a', bodyBase64: 'QUJD' }]);
  });

  const encoded = encodeBinarySubmission(envelope, bodies);
  const headerLength = encoded.readUInt32BE(5);
  const firstBodyLength = 9 + headerLength;
  it.each([
    ['another version', Buffer.concat([BINARY_SUBMISSION_MAGIC, Buffer.from([2]), encoded.subarray(5)]), /version 2 is not supported \(1 is\)/],
    ['a message shorter than its prefix', Buffer.concat([BINARY_SUBMISSION_MAGIC, Buffer.from([1, 0])]), /shorter than its 9-byte prefix/],
    ['a header running past the end', withUInt32(encoded, 5, encoded.length), /header of \d+ bytes runs past the end/],
    ['a body running past the end', withUInt32(encoded, firstBodyLength, encoded.length), /body of document 0 \(\d+ bytes\) runs past the end/],
    ['a missing body', encoded.subarray(0, encoded.length - 5), /ends before the body of document 2/],
    ['bytes after the last body', Buffer.concat([encoded, Buffer.from('x')]), /1 bytes after the body of the last document/],
    ['a header that is not JSON', Buffer.concat([encoded.subarray(0, 9), Buffer.from('x'), encoded.subarray(10)]), /binary submission header: value is not valid JSON/],
    ['a document that also carries bodyBase64', encodeBinarySubmission(anEnvelope([{ documentId: 'a' }, { documentId: 'b', bodyBase64: 'QUJD' }]), [bodies[1], bodies[1]]), /payload\.documents\.1\.bodyBase64 is not allowed/],
    ['a header whose payload is invalid', encodeBinarySubmission(anEnvelope([]), []), /binary submission header: .*payload\.documents/],
  ])('refuses %s, naming the problem', (_what, message, reason) => {
    const result = sut(message);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('refuses to encode a different number of bodies than documents', () => {
    expect(() => encodeBinarySubmission(envelope, bodies.slice(1))).toThrow('2 bodies for 3 documents');
  });
});
