import {
  IsBoolean,
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
  
} from 'class-validator';
import {
  ActorRole,
  EstablishmentCategory,
  EstablishmentKind,
  Finess,
  Ins,
  IsoDate,
  LegalRepresentativeRelationship,
  Profession,
  Rpps,
  Sex,
} from '@dmp/domain';
import { IsFiness, IsIns, IsIsoDate, IsIsoDateTime, IsRpps, NestedObject } from './validators';

/** Who did something: a role and that role's identifier (INS, RPPS, FINESS, agent id...). */
export class ActorRef {
  @IsEnum(ActorRole)
  role!: ActorRole;

  @IsString()
  @Length(1, 64)
  id!: string;
}

/** At least one of the two, so the patient can be notified. Mobile in E.164 (+33612345678). */
export class Contacts {
  @ValidateIf((o: Contacts) => o.mobile === undefined || o.email !== undefined)
  @IsEmail({}, { message: 'email must be an e-mail address (a contact needs an email or a mobile)' })
  email?: string;

  @ValidateIf((o: Contacts) => o.email === undefined || o.mobile !== undefined)
  @Matches(/^\+[1-9][0-9]{7,14}$/, { message: 'mobile must be an E.164 number such as +33612345678 (a contact needs an email or a mobile)' })
  mobile?: string;
}

/** The patient's emergency choices: both on by default, each refusable. */
export class EmergencyChoices {
  /** "Bris de glace" by a professional when the patient cannot consent. */
  @IsBoolean()
  emergencyAccess!: boolean;

  /** Access by an emergency regulation centre (SAMU). */
  @IsBoolean()
  samuRegulationAccess!: boolean;
}

/** A consent as recorded: who gave it, where (the counter, pharmacy, website...) and when. */
export class ConsentRecord {
  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsString()
  @Length(1, 200)
  where!: string;

  @IsIsoDateTime()
  at!: string;
}

/** Identity traits; every field optional so an identity change can carry only what changed. */
export class IdentityTraits {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  familyName?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  givenNames?: string;

  @IsOptional()
  @IsIsoDate()
  birthDate?: IsoDate;

  @IsOptional()
  @IsEnum(Sex)
  sex?: Sex;
}

export class LegalRepresentative {
  @IsIns()
  ins!: Ins;

  @IsEnum(LegalRepresentativeRelationship)
  relationship!: LegalRepresentativeRelationship;

  @IsOptional()
  @NestedObject(() => Contacts)
  contacts?: Contacts;
}

export class EstablishmentRef {
  @IsFiness()
  finess!: Finess;

  @IsEnum(EstablishmentKind)
  kind!: EstablishmentKind;

  @IsEnum(EstablishmentCategory)
  category!: EstablishmentCategory;
}

/** The professional who wrote a document. */
export class AuthorRef {
  @IsRpps()
  rpps!: Rpps;

  @IsEnum(Profession)
  profession!: Profession;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

/** A requester as access rules see them. */
export class AccessorRef {
  @IsEnum(ActorRole)
  role!: ActorRole;

  /** RPPS for a professional, FINESS for an establishment, INS for a patient... */
  @IsString()
  @Length(1, 64)
  id!: string;

  @IsOptional()
  @IsEnum(Profession)
  profession?: Profession;

  /** The establishment the professional works for, when acting for one. */
  @IsOptional()
  @IsFiness()
  finess?: Finess;
}

export class DocumentVisibility {
  /** Seen only by the author and the treating physician. */
  @IsBoolean()
  maskedFromProfessionals!: boolean;

  /** Hidden from the patient until a professional has explained it in person. */
  @IsBoolean()
  invisibleToPatientUntilExplained!: boolean;

  @IsBoolean()
  invisibleToLegalRepresentatives!: boolean;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
