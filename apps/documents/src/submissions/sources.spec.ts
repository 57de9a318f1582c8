import { ActorRole, EstablishmentCategory, EstablishmentKind, Finess, SourceCategory } from '@dmp/domain';
import { feederOf, sourceCategoryOf } from './sources';

describe(sourceCategoryOf.name, () => {
  const establishment = (kind: EstablishmentKind, category: EstablishmentCategory) => ({ finess: '750712184' as Finess, kind, category });

  it('counts each submitter in its source category', () => {
    expect(sourceCategoryOf({ role: ActorRole.ESTABLISHMENT }, establishment(EstablishmentKind.HEALTH, EstablishmentCategory.CHU))).toBe(SourceCategory.ESTABLISHMENT_HEALTH);
    expect(sourceCategoryOf({ role: ActorRole.ESTABLISHMENT }, establishment(EstablishmentKind.MEDICO_SOCIAL, EstablishmentCategory.EHPAD))).toBe(SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL);
    expect(sourceCategoryOf({ role: ActorRole.ESTABLISHMENT }, establishment(EstablishmentKind.OTHER, EstablishmentCategory.LABORATORY))).toBe(SourceCategory.OTHER);
    expect(sourceCategoryOf({ role: ActorRole.PROFESSIONAL }, undefined)).toBe(SourceCategory.LIBERAL_PROFESSIONAL);
    expect(sourceCategoryOf({ role: ActorRole.PATIENT }, undefined)).toBe(SourceCategory.PATIENT);
    expect(sourceCategoryOf({ role: ActorRole.LEGAL_REPRESENTATIVE }, undefined)).toBe(SourceCategory.PATIENT);
  });

  it('treats rows parked by establishments before other sources existed as establishments', () => {
    expect(feederOf({ role: ActorRole.ESTABLISHMENT })).toBe('establishment');
  });
});
