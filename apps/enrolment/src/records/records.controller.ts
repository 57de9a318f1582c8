import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Role, Roles } from '@dmp/auth';
import { ActorRole, validateFiness, validateIsoDate } from '@dmp/domain';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CorrelationId } from './correlation-id';
import { CloseRecordUseCase } from './close-record/close-record.usecase';
import { ChangeEmergencyChoicesUseCase } from './change-emergency-choices/change-emergency-choices.usecase';
import { ChangeRepresentativesUseCase } from './change-representatives/change-representatives.usecase';
import {
  ChangeRepresentativesDto,
  CloseRecordDto,
  EmergencyChoicesDto,
  ReactivateRecordDto,
  UpdateContactsDto,
  UpdateIdentityDto,
} from './dto/lifecycle.dto';
import { OpenRecordDto } from './dto/open-record.dto';
import { RecordStatusView, RecordView, toRecordView, toStatusView } from './dto/record-view.dto';
import { InsParamPipe } from './ins-param.pipe';
import { OpenRecordUseCase, OpeningOutcome } from './open-record/open-record.usecase';
import { openerOf } from './opener';
import { checkOpening } from './opening-rules';
import { mayActOnRecord, mayOpen } from './record-access.policy';
import { RecordErrorCode, RecordException } from './record.exception';
import { RecordStore } from './record-store';
import { ReactivateRecordUseCase } from './reactivate-record/reactivate-record.usecase';
import { TransferAtMajorityUseCase } from './transfer-at-majority/transfer-at-majority.usecase';
import { UpdateContactsUseCase } from './update-contacts/update-contacts.usecase';
import { UpdateIdentityUseCase } from './update-identity/update-identity.usecase';

interface StatusSettable {
  status(code: number): unknown;
}

const PERSON = [Role.PATIENT, Role.LEGAL_REPRESENTATIVE];

/** The 409 body: the usual error shape plus how and when the existing record was opened. */
export interface AlreadyExistsBody {
  statusCode: 409;
  code: RecordErrorCode.RECORD_ALREADY_EXISTS;
  message: string;
  errors: { field: string; reason: string }[];
  existing: { recordId: string; status: string; openingChannel: string; openedAt: string; closedAt: string | null; closureReason: string | null };
}

export function alreadyExistsBody(outcome: OpeningOutcome): AlreadyExistsBody {
  const r = outcome.record;
  const how = `${r.openingChannel} on ${r.openedAt.toISOString()}`;
  return {
    statusCode: 409,
    code: RecordErrorCode.RECORD_ALREADY_EXISTS,
    message:
      r.status === 'closed'
        ? `a record already exists for this INS (opened through ${how}); it is closed (${r.closureReason}, ${r.closureDate}): reactivate it instead`
        : `a record already exists for this INS, opened through ${how}`,
    errors: [{ field: 'ins', reason: `a DMP already exists for this person, opened through ${how}` }],
    existing: {
      recordId: r.id,
      status: r.status,
      openingChannel: r.openingChannel,
      openedAt: r.openedAt.toISOString(),
      closedAt: r.closedAt ? r.closedAt.toISOString() : null,
      closureReason: r.closureReason,
    },
  };
}

@ApiTags('records')
@ApiBearerAuth()
@Controller()
export class RecordsController {
  constructor(
    private readonly openRecord: OpenRecordUseCase,
    private readonly store: RecordStore,
    private readonly closeRecord: CloseRecordUseCase,
    private readonly reactivateRecord: ReactivateRecordUseCase,
    private readonly updateContacts: UpdateContactsUseCase,
    private readonly updateIdentity: UpdateIdentityUseCase,
    private readonly changeEmergency: ChangeEmergencyChoicesUseCase,
    private readonly changeRepresentatives: ChangeRepresentativesUseCase,
    private readonly transferAtMajority: TransferAtMajorityUseCase,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post('records')
  @Roles(Role.CPAM_AGENT, Role.PHARMACY, Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.PROFESSIONAL, Role.ESTABLISHMENT)
  @ApiOperation({
    summary: 'Open a DMP. The channel comes from the token (counter, pharmacy, patient online, professional, establishment).',
    description: '201 when opened; 200 with the same record when the same opener repeats the opening (idempotent, no new event); 409 RECORD_ALREADY_EXISTS when it was opened otherwise.',
  })
  @ApiOkResponse({ type: RecordView })
  @ApiConflictResponse({ description: 'RECORD_ALREADY_EXISTS, with details.openingChannel and details.openedAt' })
  async open(
    @CurrentActor() actor: Actor,
    @Body() body: OpenRecordDto,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<RecordView | AlreadyExistsBody> {
    const opener = openerOf(actor);
    if (!opener) throw new RecordException(RecordErrorCode.FORBIDDEN_FOR_ACTOR, `a ${actor.role} may not open a record`);
    const checked = checkOpening(body, new Date());
    if (!checked.ok) throw RecordException.validation(checked.errors);
    if (!mayOpen(actor, checked.value)) {
      throw new RecordException(RecordErrorCode.FORBIDDEN_FOR_ACTOR, 'online, a person opens only their own record, or that of a dependant their token says they represent and who names them as legal representative');
    }
    const outcome = await this.openRecord.execute({ opening: checked.value, opener, correlationId });
    if (outcome.kind === 'conflict') {
      res.status(409);
      return alreadyExistsBody(outcome);
    }
    res.status(outcome.kind === 'opened' ? 201 : 200);
    return toRecordView(outcome.record);
  }

  @Get('records/:ins')
  @Roles(Role.CPAM_AGENT, Role.OPERATOR, ...PERSON)
  @ApiOperation({ summary: 'The whole record (insurer agents, operators, the patient and their representatives).' })
  @ApiOkResponse({ type: RecordView })
  async get(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string): Promise<RecordView> {
    return toRecordView(await this.store.findFor(actor, ins));
  }

  @Get('records/:ins/status')
  @Roles(Role.PROFESSIONAL, Role.ESTABLISHMENT, Role.PHARMACY, Role.CPAM_AGENT, Role.OPERATOR, ...PERSON)
  @ApiOperation({ summary: "For professionals' software: does a record exist, is it open or closed (date, reason), may it be fed." })
  @ApiOkResponse({ type: RecordStatusView })
  async status(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string): Promise<RecordStatusView> {
    const record = await this.store.find(ins);
    if (record && !mayActOnRecord(actor, record)) return toStatusView(ins, null);
    if (!record && (actor.role === ActorRole.PATIENT || actor.role === ActorRole.LEGAL_REPRESENTATIVE) && actor.ins !== ins) {
      return toStatusView(ins, null);
    }
    return toStatusView(ins, record);
  }

  @Post('records/:ins/closure')
  @HttpCode(200)
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: "Close a record (patient's request; death and administrative closures by CPAM agents). Kept, not erased." })
  @ApiOkResponse({ type: RecordView })
  async close(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: CloseRecordDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.closeRecord.execute({ actor, ins, reason: body.reason, date: body.date, correlationId }));
  }

  @Post('records/:ins/reactivation')
  @HttpCode(200)
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: 'Reactivate a closed record; needs a freshly recorded consent.' })
  @ApiOkResponse({ type: RecordView })
  async reactivate(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: ReactivateRecordDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.reactivateRecord.execute({ actor, ins, consent: body.consent, correlationId }));
  }

  @Patch('records/:ins/contacts')
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: 'Change the e-mail and/or mobile (null removes one; at least one remains).' })
  @ApiOkResponse({ type: RecordView })
  async contacts(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: UpdateContactsDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.updateContacts.execute({ actor, ins, email: body.email, mobile: body.mobile, correlationId }));
  }

  @Patch('records/:ins/identity')
  @Roles(Role.CPAM_AGENT)
  @ApiOperation({ summary: 'Correct identity traits (insurer agents; the INS itself never changes).' })
  @ApiOkResponse({ type: RecordView })
  async identity(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: UpdateIdentityDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.updateIdentity.execute({ actor, ins, ...body, correlationId }));
  }

  @Put('records/:ins/emergency-choices')
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: 'Accept or refuse emergency ("bris de glace") and SAMU access.' })
  @ApiOkResponse({ type: RecordView })
  async emergency(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: EmergencyChoicesDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.changeEmergency.execute({ actor, ins, emergencyAccess: body.emergencyAccess, samuAccess: body.samuAccess, correlationId }));
  }

  @Put('records/:ins/legal-representatives')
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: "Replace a dependant's legal representatives (a minor keeps at least one)." })
  @ApiOkResponse({ type: RecordView })
  async representatives(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @Body() body: ChangeRepresentativesDto, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.changeRepresentatives.execute({ actor, ins, legalRepresentatives: body.legalRepresentatives, correlationId }));
  }

  @Post('records/:ins/majority-transfer')
  @HttpCode(200)
  @Roles(Role.CPAM_AGENT, ...PERSON)
  @ApiOperation({ summary: "Pass a minor's record to the person once 18: the representatives lose their rights." })
  @ApiOkResponse({ type: RecordView })
  async majority(@CurrentActor() actor: Actor, @Param('ins', InsParamPipe) ins: string, @CorrelationId() correlationId: string): Promise<RecordView> {
    return toRecordView(await this.transferAtMajority.execute({ actor, ins, correlationId }));
  }

  @Get('pharmacies/:finess/openings')
  @Roles(Role.PHARMACY, Role.CPAM_AGENT, Role.OPERATOR)
  @ApiOperation({ summary: "Records a pharmacy opened in [from, to) (what it is paid 1 euro each for). A pharmacy sees only its own." })
  async pharmacyOpenings(
    @CurrentActor() actor: Actor,
    @Param('finess') finess: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<{ finess: string; from: string | null; to: string | null; openings: number }> {
    const checked = validateFiness(finess);
    const errors = [
      ...(checked.ok ? [] : [{ field: 'finess', reason: checked.reason }]),
      ...[['from', from] as const, ['to', to] as const].flatMap(([field, v]) => {
        if (v === undefined) return [];
        const d = validateIsoDate(v);
        return d.ok ? [] : [{ field, reason: d.reason }];
      }),
    ];
    if (errors.length > 0) throw RecordException.validation(errors);
    if (actor.role === ActorRole.PHARMACY && actor.finess !== finess) {
      throw new RecordException(RecordErrorCode.FORBIDDEN_FOR_ACTOR, "a pharmacy sees only its own openings");
    }
    const [{ count }]: { count: string }[] = await this.dataSource.query(
      `SELECT count(*) AS count FROM records
        WHERE opening_finess = $1 AND opening_channel = 'pharmacy'
          AND ($2::date IS NULL OR opened_at >= $2::date) AND ($3::date IS NULL OR opened_at < $3::date)`,
      [finess, from ?? null, to ?? null],
    );
    return { finess, from: from ?? null, to: to ?? null, openings: Number(count) };
  }
}
