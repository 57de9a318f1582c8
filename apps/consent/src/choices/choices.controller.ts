import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Actor, CurrentActor, Roles, Role } from '@dmp/auth';
import { validateFiness, validateRpps } from '@dmp/domain';
import { DomainException } from '@dmp/platform';
import { ConsentPatientsStore } from '../patients/consent-patients.store';
import { ConsentErrorCode, ConsentException } from '../patients/consent.exception';
import { ConsentView, toConsentView } from '../patients/consent-view';
import { InsParamPipe } from '../patients/ins-param.pipe';
import { assertMayReadPatient } from '../patients/patient-access.policy';
import { CorrelationId } from '../patients/correlation-id';
import { AuthoriseDto, BlockProfessionalDto, EmergencyPreferencesDto, NotificationPreferencesDto, TreatingPhysicianDto } from './choices.dto';
import { AuthoriseUseCase } from './authorise/authorise.usecase';
import { RevokeAuthorisationUseCase } from './revoke-authorisation/revoke-authorisation.usecase';
import { BlockProfessionalUseCase } from './block-professional/block-professional.usecase';
import { UnblockProfessionalUseCase } from './unblock-professional/unblock-professional.usecase';
import { DesignateTreatingPhysicianUseCase } from './designate-treating-physician/designate-treating-physician.usecase';
import { ChangeEmergencyPreferencesUseCase } from './change-emergency-preferences/change-emergency-preferences.usecase';
import { ChangeNotificationPreferencesUseCase } from './change-notification-preferences/change-notification-preferences.usecase';

function checked(field: string, raw: string, validate: (raw: unknown) => { ok: true; value: string } | { ok: false; reason: string }): string {
  const result = validate(raw);
  if (!result.ok) throw new DomainException('VALIDATION_FAILED', `${field}: ${result.reason}`, 400, [{ field, reason: result.reason }]);
  return result.value;
}

/** The patient's choices (the patient, or a legal representative of a minor). */
@ApiTags('consent')
@ApiBearerAuth()
@Controller('patients/:ins/consent')
@Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE)
export class ChoicesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly patients: ConsentPatientsStore,
    private readonly authorise: AuthoriseUseCase,
    private readonly revoke: RevokeAuthorisationUseCase,
    private readonly block: BlockProfessionalUseCase,
    private readonly unblock: UnblockProfessionalUseCase,
    private readonly designate: DesignateTreatingPhysicianUseCase,
    private readonly emergency: ChangeEmergencyPreferencesUseCase,
    private readonly preferences: ChangeNotificationPreferencesUseCase,
  ) {}

  @Get()
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.OPERATOR)
  @ApiOkResponse({ type: ConsentView })
  async show(@Param('ins', InsParamPipe) ins: string, @CurrentActor() actor: Actor): Promise<ConsentView> {
    assertMayReadPatient(actor, ins);
    const patient = await this.patients.find(this.dataSource.manager, ins);
    if (!patient) throw new ConsentException(ConsentErrorCode.RECORD_NOT_OPEN);
    return toConsentView(patient);
  }

  @Post('authorisations')
  @HttpCode(200)
  @ApiOkResponse({ type: ConsentView })
  add(@Param('ins', InsParamPipe) ins: string, @Body() body: AuthoriseDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    const grantee = body.kind === 'professional' ? { kind: body.kind, rpps: body.rpps as string } : { kind: body.kind, finess: body.finess as string };
    return this.authorise.execute({ ins, actor, correlationId, grantee });
  }

  @Delete('authorisations/professionals/:rpps')
  @ApiOkResponse({ type: ConsentView })
  revokeProfessional(@Param('ins', InsParamPipe) ins: string, @Param('rpps') rpps: string, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.revoke.execute({ ins, actor, correlationId, grantee: { kind: 'professional', rpps: checked('rpps', rpps, validateRpps) } });
  }

  @Delete('authorisations/establishments/:finess')
  @ApiOkResponse({ type: ConsentView })
  revokeEstablishment(@Param('ins', InsParamPipe) ins: string, @Param('finess') finess: string, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.revoke.execute({ ins, actor, correlationId, grantee: { kind: 'establishment', finess: checked('finess', finess, validateFiness) } });
  }

  @Post('blocks')
  @HttpCode(200)
  @ApiOkResponse({ type: ConsentView })
  addBlock(@Param('ins', InsParamPipe) ins: string, @Body() body: BlockProfessionalDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.block.execute({ ins, actor, correlationId, rpps: body.rpps });
  }

  @Delete('blocks/:rpps')
  @ApiOkResponse({ type: ConsentView })
  removeBlock(@Param('ins', InsParamPipe) ins: string, @Param('rpps') rpps: string, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.unblock.execute({ ins, actor, correlationId, rpps: checked('rpps', rpps, validateRpps) });
  }

  @Put('treating-physician')
  @ApiOkResponse({ type: ConsentView })
  treatingPhysician(@Param('ins', InsParamPipe) ins: string, @Body() body: TreatingPhysicianDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.designate.execute({ ins, actor, correlationId, rpps: body.rpps });
  }

  @Put('emergency-preferences')
  @ApiOkResponse({ type: ConsentView })
  emergencyPreferences(@Param('ins', InsParamPipe) ins: string, @Body() body: EmergencyPreferencesDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.emergency.execute({ ins, actor, correlationId, emergencyAccess: body.emergencyAccess, samuRegulationAccess: body.samuRegulationAccess });
  }

  @Put('notification-preferences')
  @ApiOkResponse({ type: ConsentView })
  notificationPreferences(@Param('ins', InsParamPipe) ins: string, @Body() body: NotificationPreferencesDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string): Promise<ConsentView> {
    return this.preferences.execute({ ins, actor, correlationId, channels: body.channels, notifyOnNewDocument: body.notifyOnNewDocument, contacts: body.contacts });
  }
}
