import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles, Role } from '@dmp/auth';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ConsentConfig } from '../config';
import { InsParamPipe } from '../patients/ins-param.pipe';
import { assertMayReadPatient } from '../patients/patient-access.policy';
import { ListTraceUseCase } from './list-trace/list-trace.usecase';
import { PurgeTraceUseCase, retentionLimit } from './purge-trace/purge-trace.usecase';
import { ListTraceQuery, TracePageView } from './trace.dto';

@ApiTags('access trace')
@ApiBearerAuth()
@Controller()
export class TraceController {
  constructor(
    private readonly list: ListTraceUseCase,
    private readonly purge: PurgeTraceUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: ConsentConfig,
  ) {}

  /** Who accessed the record, when, what, in which mode, granted or refused and why. */
  @Get('patients/:ins/access-trace')
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.OPERATOR)
  @ApiOkResponse({ type: TracePageView })
  trace(@Param('ins', InsParamPipe) ins: string, @Query() query: ListTraceQuery, @CurrentActor() actor: Actor): Promise<TracePageView> {
    assertMayReadPatient(actor, ins);
    return this.list.execute({ ins, limit: query.limit ?? 50, cursor: query.cursor });
  }

  /** Runs the retention purge now (it also runs on its own every CONSENT_TRACE_PURGE_INTERVAL_MS). */
  @Post('operations/access-trace/purge')
  @HttpCode(200)
  @Roles(Role.OPERATOR)
  runPurge(): Promise<{ deleted: number; skipped: boolean }> {
    return this.purge.execute({ closedBefore: retentionLimit(new Date(), this.config.CONSENT_TRACE_RETENTION_YEARS) });
  }
}
