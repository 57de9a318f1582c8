import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsEnum, IsIn, IsOptional, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsFiness, IsRpps } from '@dmp/contracts';
import { NotificationChannel } from '@dmp/domain';

export class AuthoriseDto {
  @ApiProperty({ enum: ['professional', 'establishment'] })
  @IsIn(['professional', 'establishment'], { message: 'kind must be professional or establishment' })
  kind!: 'professional' | 'establishment';

  @ApiPropertyOptional({ description: 'RPPS (11 digits), when kind is professional' })
  @ValidateIf((o: AuthoriseDto) => o.kind === 'professional')
  @IsRpps()
  rpps?: string;

  @ApiPropertyOptional({ description: 'FINESS (9 characters), when kind is establishment' })
  @ValidateIf((o: AuthoriseDto) => o.kind === 'establishment')
  @IsFiness()
  finess?: string;
}

export class BlockProfessionalDto {
  @ApiProperty({ description: 'RPPS of the professional to block' })
  @IsRpps()
  rpps!: string;
}

export class TreatingPhysicianDto {
  @ApiProperty({ nullable: true, description: 'RPPS of the treating physician, or null to have none' })
  @ValidateIf((o: TreatingPhysicianDto) => o.rpps !== null)
  @IsRpps()
  rpps!: string | null;
}

export class EmergencyPreferencesDto {
  @ApiProperty({ description: 'false refuses emergency access ("bris de glace")' })
  @IsBoolean()
  emergencyAccess!: boolean;

  @ApiProperty({ description: 'false refuses access by SAMU regulation' })
  @IsBoolean()
  samuRegulationAccess!: boolean;
}

export class ContactsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email?: string;

  @ApiPropertyOptional({ description: 'E.164, e.g. +33612345678' })
  @IsOptional()
  @Matches(/^\+[1-9][0-9]{7,14}$/, { message: 'mobile must be an E.164 number such as +33612345678' })
  mobile?: string;
}

export class NotificationPreferencesDto {
  @ApiProperty({ enum: NotificationChannel, isArray: true, description: 'Empty means in-app only' })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(3)
  @IsEnum(NotificationChannel, { each: true, message: `each channel must be one of ${Object.values(NotificationChannel).join(', ')}` })
  channels!: NotificationChannel[];

  @ApiProperty()
  @IsBoolean()
  notifyOnNewDocument!: boolean;

  @ApiPropertyOptional({ type: ContactsDto, description: 'Replaces the contacts when given' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContactsDto)
  contacts?: ContactsDto;
}
