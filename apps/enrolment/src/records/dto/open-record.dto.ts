import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsEnum,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { LegalRepresentativeRelationship } from '@dmp/domain';
import { IsCpamCode, IsIns, IsIsoDate, IsMobile } from './domain-validators';
import { fastOpeningCheck } from './fast-opening-check';

export class ConsentDto {
  @ApiProperty({ description: 'When the consent was given (ISO-8601 instant, not in the future).', example: '2026-11-23T10:15:00Z' })
  @IsISO8601({ strict: true }, { message: 'consent.at must be an ISO-8601 instant (2026-11-23T10:15:00Z)' })
  at!: string;

  @ApiPropertyOptional({
    description: "INS of the person who consented: the patient, or for a minor one of the legal representatives. Defaults to the patient (adult) or the first representative (minor).",
  })
  @IsOptional()
  @IsIns()
  givenBy?: string;

  @ApiPropertyOptional({
    description: "Where the consent was given. Defaults to the opener's place (cpam:<office>, finess:<FINESS>, rpps:<RPPS>, online).",
    example: 'Accueil CPAM Paris 11e',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  place?: string;
}

export class LegalRepresentativeDto {
  @ApiProperty({ description: "The representative's INS.", example: '279057510812366' })
  @IsIns()
  ins!: string;

  @ApiPropertyOptional({ enum: LegalRepresentativeRelationship, default: LegalRepresentativeRelationship.PARENT })
  @IsOptional()
  @IsEnum(LegalRepresentativeRelationship, { message: `relationship must be one of ${Object.values(LegalRepresentativeRelationship).join(', ')}` })
  relationship?: LegalRepresentativeRelationship;
}

/** The body of every opening, whatever the channel; the channel comes from the caller's token. */
/** Legal representatives per opening; each one is a dependant-attached event of the opening. */
export const MAX_LEGAL_REPRESENTATIVES = 4;

export class OpenRecordDto {
  @ApiProperty({ description: "The patient's INS (15 characters; spaces allowed between groups).", example: '184127510812345' })
  @IsIns()
  ins!: string;

  @ApiProperty({ example: 'MARTIN' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  familyName!: string;

  @ApiProperty({ example: 'Jeanne Marie' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  givenNames!: string;

  @ApiProperty({ description: 'YYYY-MM-DD', example: '1984-12-03' })
  @IsIsoDate()
  birthDate!: string;

  @ApiProperty({ description: "Code of the patient's own CPAM office (coverage is counted per office).", example: '751' })
  @IsCpamCode()
  cpamCode!: string;

  @ApiPropertyOptional({ description: 'E-mail for notifications; an e-mail or a mobile is required.' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Mobile for notifications (06/07..., +33...).', example: '06 12 34 56 78' })
  @IsOptional()
  @IsMobile()
  mobile?: string;

  @ApiPropertyOptional({ description: 'Consent to emergency ("bris de glace") access. Default true.', default: true })
  @IsOptional()
  @IsBoolean()
  emergencyAccess?: boolean;

  @ApiPropertyOptional({ description: 'Consent to access by the emergency regulation centre (SAMU). Default true.', default: true })
  @IsOptional()
  @IsBoolean()
  samuAccess?: boolean;

  @ApiPropertyOptional({ description: 'The legal representatives (at least one for a minor).', type: [LegalRepresentativeDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LEGAL_REPRESENTATIVES)
  @ValidateNested({ each: true })
  @Type(() => LegalRepresentativeDto)
  legalRepresentatives?: LegalRepresentativeDto[];

  @ApiProperty({ type: ConsentDto })
  @IsDefined({ message: "consent is required: the patient's consent (when, by whom, where) must be recorded" })
  @ValidateNested()
  @Type(() => ConsentDto)
  consent!: ConsentDto;

  /**
   * The global validation pipe's shortcut (FastBodyValidation of @dmp/platform): a well-formed
   * body is accepted by the same predicates without the class-validator pass; anything else
   * (null) goes through the decorators above, which name the faulty fields.
   */
  static fastValidate(raw: Record<string, unknown>): OpenRecordDto | null {
    return fastOpeningCheck(raw);
  }
}
