import { createHash } from 'node:crypto';
import { DocumentType } from '@dmp/domain';
import { validateDocument } from './validate-document';

const limits = { maxInlineBytes: 64 * 1024, maxDocumentBytes: 1024 * 1024 };
const now = new Date('2026-11-23T10:00:00.000Z');

function aPatientDocument(overrides: Record<string, unknown> = {}, body = Buffer.from('Mes résultats de prise de sang')): Record<string, unknown> {
  return {
    documentId: 'patient-doc-1',
    ins: '277028690570430',
    format: 'text',
    title: 'Prise de sang',
    sha256: createHash('sha256').update(body).digest('hex'),
    sizeBytes: body.length,
    bodyBase64: body.toString('base64'),
    ...overrides,
  };
}

describe(validateDocument.name, () => {
  describe('from the patient side', () => {
    it('accepts a document without author, type, date or visibility, with their defaults', () => {
      const sut = validateDocument(aPatientDocument(), 0, limits, now, undefined, 'patient-side');
      expect(sut.ok).toBe(true);
      if (!sut.ok) return;
      expect(sut.metadata).toMatchObject({
        type: DocumentType.PATIENT_ADDED,
        authoredAt: now.toISOString(),
        visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false },
      });
      expect(sut.metadata.author).toBeUndefined();
    });

    it('keeps the mask the patient asks for', () => {
      const sut = validateDocument(aPatientDocument({ visibility: { maskedFromProfessionals: true } }), 0, limits, now, undefined, 'patient-side');
      expect(sut.ok && sut.metadata.visibility).toEqual({ maskedFromProfessionals: true, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false });
    });

    it.each([
      ['an author', { author: { rpps: '10003456786', profession: 'physician' } }, 'documents.0.author: a document the patient adds has no professional author'],
      ['a CDA document', { format: 'cda-r2' }, 'documents.0.format: format must be one of pdf, text for a document the patient adds'],
      ['a type a patient may not add', { type: DocumentType.DISCHARGE_SUMMARY }, 'documents.0.type: type must be one of'],
      ['a document kept from the patient', { visibility: { invisibleToPatientUntilExplained: true } }, 'documents.0.visibility.invisibleToPatientUntilExplained: only a professional may keep a document from the patient'],
      ['a wrong hash', { sha256: 'a'.repeat(64) }, 'documents.0.sha256: does not match the body'],
    ])('rejects %s naming the field', (_case, overrides, reason) => {
      const sut = validateDocument(aPatientDocument(overrides), 0, limits, now, undefined, 'patient-side');
      expect(sut.ok).toBe(false);
      expect(sut.ok ? [] : sut.reasons.join('\n')).toContain(reason);
    });

    it('accepts the types a patient may add, such as a laboratory report in PDF', () => {
      const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
      const sut = validateDocument(aPatientDocument({ type: DocumentType.LABORATORY_REPORT, format: 'pdf' }, pdf), 0, limits, now, undefined, 'patient-side');
      expect(sut.ok).toBe(true);
    });
  });

  describe('from a liberal professional', () => {
    it('refuses the patient-added type', () => {
      const sut = validateDocument(aPatientDocument({ type: DocumentType.PATIENT_ADDED, author: { rpps: '10003456786', profession: 'physician' }, authoredAt: now.toISOString() }), 0, limits, now, undefined, 'liberal-professional');
      expect(sut.ok ? [] : sut.reasons).toEqual(['documents.0.type: patient-added is only for documents a patient adds, not for a professional']);
    });
  });
});
