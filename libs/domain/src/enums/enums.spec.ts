import { luhnCheckDigit } from '../identifiers/luhn';
import { documentTypes, DocumentType } from './document';
import { EstablishmentCategory, EstablishmentKind, establishmentKindOf } from './establishment';
import { Profession, professions } from './profession';
import { SourceCategory, sourceCategoryOfEstablishment } from './source-category';

describe('documentTypes', () => {
  it('describes every document type under its own code', () => {
    for (const type of Object.values(DocumentType)) expect(documentTypes[type].code).toBe(type);
  });

  it('uses well-formed LOINC codes (their check digit is a mod-10 Luhn digit)', () => {
    const loinc = Object.values(documentTypes).filter((t) => t.codeSystem === 'loinc');

    expect(loinc.length).toBeGreaterThanOrEqual(8);
    for (const { code } of loinc) {
      const [number, check] = code.split('-');
      expect(luhnCheckDigit(number)).toBe(Number(check));
    }
  });

  it('uses kebab-case local codes where no LOINC code fits', () => {
    for (const info of Object.values(documentTypes).filter((t) => t.codeSystem === 'local')) expect(info.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('lets the patient add documents of the patient-added type', () => {
    expect(documentTypes[DocumentType.PATIENT_ADDED].patientMayAdd).toBe(true);
    expect(documentTypes[DocumentType.PATIENT_ADDED].typicalSources).toEqual([SourceCategory.PATIENT]);
  });
});

describe('establishments', () => {
  it('files EHPAD as medico-social and CHU as health', () => {
    expect(establishmentKindOf[EstablishmentCategory.EHPAD]).toBe(EstablishmentKind.MEDICO_SOCIAL);
    expect(establishmentKindOf[EstablishmentCategory.CHU]).toBe(EstablishmentKind.HEALTH);
    expect(sourceCategoryOfEstablishment(EstablishmentKind.MEDICO_SOCIAL)).toBe(SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL);
  });

  it('counts health centres and laboratories as the other source, not as establishments', () => {
    expect(establishmentKindOf[EstablishmentCategory.HEALTH_CENTRE]).toBe(EstablishmentKind.OTHER);
    expect(establishmentKindOf[EstablishmentCategory.LABORATORY]).toBe(EstablishmentKind.OTHER);
    expect(sourceCategoryOfEstablishment(EstablishmentKind.OTHER)).toBe(SourceCategory.OTHER);
    expect(sourceCategoryOfEstablishment(EstablishmentKind.HEALTH)).toBe(SourceCategory.ESTABLISHMENT_HEALTH);
  });
});

describe('professions', () => {
  it('has a label and an RPPS profession code for each profession', () => {
    for (const profession of Object.values(Profession)) expect(professions[profession].rppsCode).toMatch(/^[0-9]{2}$/);
  });
});
