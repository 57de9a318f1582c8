import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsEmail, IsEnum, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { ClosureReason } from '@dmp/domain';
import { IsIsoDate, IsMobile } from './domain-validators';
import { ConsentDto, LegalRepresentativeDto } from './open-record.dto';

export class CloseRecordDto {
  @ApiProperty({ enum: ClosureReason })
  @IsEnum(ClosureReason, { message: `reason must be one of ${Object.values(ClosureReason).join(', ')}` })
  reason!: ClosureReason;

  @ApiProperty({ description: 'The date the closure refers to (date of death, date of the request), YYYY-MM-DD.', example: '2026-11-20' })
  @IsIsoDate()
  date!: string;
}

export class ReactivateRecordDto {
  @ApiProperty({ type: ConsentDto, description: 'Reactivation needs a freshly recorded consent.' })
  @IsDefined({ message: "consent is required: reactivating a record needs the patient's recorded consent" })
  @ValidateNested()
  @Type(() => ConsentDto)
  consent!: ConsentDto;
}

/** Absent: unchanged; null: removed. At least one contact must remain. */
export class UpdateContactsDto {
  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsMobile()
  mobile?: string | null;
}

export class UpdateIdentityDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  familyName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  givenNames?: string;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD' })
  @IsOptional()
  @IsIsoDate()
  birthDate?: string;
}

export class EmergencyChoicesDto {
  @ApiPropertyOptional({ description: 'Consent to emergency ("bris de glace") access.' })
  @IsOptional()
  @IsBoolean()
  emergencyAccess?: boolean;

  @ApiPropertyOptional({ description: 'Consent to emergency regulation centre (SAMU) access.' })
  @IsOptional()
  @IsBoolean()
  samuAccess?: boolean;
}

export class ChangeRepresentativesDto {
  @ApiProperty({ type: [LegalRepresentativeDto], description: 'The complete list after the change.' })
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => LegalRepresentativeDto)
  legalRepresentatives!: LegalRepresentativeDto[];
}
