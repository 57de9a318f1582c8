import { DocumentType, Profession } from '@dmp/domain';
import { InvalidMatrixError, checkMatrix, defaultProfessionMatrix, loadMatrix, matrixAllows } from './profession-matrix';

describe(loadMatrix.name, () => {
  it('loads the default matrix from its JSON text', () => {
    const sut = loadMatrix(JSON.stringify(defaultProfessionMatrix));

    expect(matrixAllows(sut, Profession.NURSE, DocumentType.LABORATORY_REPORT)).toBe(true);
    expect(matrixAllows(sut, Profession.NURSE, DocumentType.OPERATIVE_REPORT)).toBe(false);
    expect(sut.emergencyAccessMs).toBe(240 * 60_000);
  });

  it('is not changed by later edits of the object it was loaded from', () => {
    const candidate = JSON.parse(JSON.stringify(defaultProfessionMatrix));
    const sut = loadMatrix(candidate);

    candidate.professions.nurse.documentTypes.push(DocumentType.OPERATIVE_REPORT);

    expect(matrixAllows(sut, Profession.NURSE, DocumentType.OPERATIVE_REPORT)).toBe(false);
  });

  it('refuses text that is not JSON', () => {
    expect(() => loadMatrix('{ nope')).toThrow(InvalidMatrixError);
  });

  it.each([
    { name: 'a non-object', candidate: [], problem: 'the matrix must be a JSON object' },
    { name: 'a missing version', candidate: { ...defaultProfessionMatrix, version: '' }, problem: 'version: must be a non-empty string' },
    { name: 'a zero emergency duration', candidate: { ...defaultProfessionMatrix, emergencyAccessMinutes: 0 }, problem: 'emergencyAccessMinutes: must be a number of minutes above 0 and at most 10080' },
    { name: 'a SAMU duration given as text', candidate: { ...defaultProfessionMatrix, samuAccessMinutes: '60' }, problem: 'samuAccessMinutes: must be a number of minutes above 0 and at most 10080' },
    { name: 'an unknown field', candidate: { ...defaultProfessionMatrix, colour: 'blue' }, problem: 'colour: unknown field' },
    { name: 'professions as a list', candidate: { ...defaultProfessionMatrix, professions: [] }, problem: 'professions: must be an object keyed by profession' },
    { name: 'document types that are not a list', candidate: { ...defaultProfessionMatrix, professions: { nurse: { documentTypes: 'all', reimbursements: false } } }, problem: 'professions.nurse.documentTypes: must be an array of document type codes (or ["*"])' },
    { name: '"*" with other types', candidate: { ...defaultProfessionMatrix, professions: { nurse: { documentTypes: ['*', '11502-2'], reimbursements: false } } }, problem: 'professions.nurse.documentTypes: "*" already means every type; list nothing else with it' },
    { name: 'reimbursements that is not a boolean', candidate: { ...defaultProfessionMatrix, professions: { nurse: { documentTypes: [], reimbursements: 'no' } } }, problem: 'professions.nurse.reimbursements: must be true or false' },
    { name: 'an unknown rights field', candidate: { ...defaultProfessionMatrix, professions: { nurse: { documentTypes: [], reimbursements: false, masked: true } } }, problem: 'professions.nurse.masked: unknown field' },
  ])('names the field of $name', ({ candidate, problem }) => {
    expect(checkMatrix(candidate)).toContain(problem);
    expect(() => loadMatrix(candidate)).toThrow(problem);
  });
});
