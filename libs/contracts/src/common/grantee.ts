import { IsEnum, ValidateIf } from 'class-validator';
import { Finess, Rpps } from '@dmp/domain';
import { IsFiness, IsRpps } from './validators';

export enum GranteeKind {
  PROFESSIONAL = 'professional',
  ESTABLISHMENT = 'establishment',
}

/** Whom a patient authorises: a professional (RPPS) or an establishment (FINESS). */
export class Grantee {
  @IsEnum(GranteeKind)
  kind!: GranteeKind;

  @ValidateIf((o: Grantee) => o.kind === GranteeKind.PROFESSIONAL || o.rpps !== undefined)
  @IsRpps()
  rpps?: Rpps;

  @ValidateIf((o: Grantee) => o.kind === GranteeKind.ESTABLISHMENT || o.finess !== undefined)
  @IsFiness()
  finess?: Finess;
}
