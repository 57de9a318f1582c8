import { validateActor } from '@dmp/auth';
import { EstablishmentCategory, EstablishmentKind } from '@dmp/domain';
import {
  aCpamAgent,
  aLegalRepresentative,
  anEstablishment,
  anInsurerPipeline,
  anOperator,
  aPatient,
  aPharmacy,
  aProfessional,
  tokenFor,
} from '../src';

describe('actor builders', () => {
  const builders = { aPatient, aLegalRepresentative, aProfessional, anEstablishment, aPharmacy, aCpamAgent, anInsurerPipeline, anOperator };

  it.each(Object.entries(builders))('%s builds an actor the auth library accepts', (_name, builder) => {
    const sut = builder().build();

    expect(validateActor(sut)).toEqual({ ok: true, value: sut });
  });

  it('gives two patients different INS', () => {
    expect(aPatient().build().ins).not.toBe(aPatient().build().ins);
  });

  it('keeps kind and category of an establishment consistent', () => {
    const sut = anEstablishment().withCategory(EstablishmentCategory.EHPAD).build();

    expect(sut.kind).toBe(EstablishmentKind.MEDICO_SOCIAL);
  });

  it('signs a three-part JWT for an actor', () => {
    expect(tokenFor(aProfessional()).split('.')).toHaveLength(3);
  });
});
