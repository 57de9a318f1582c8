import { Controller, Get, Header, Headers, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Actor, CurrentActor, Roles } from '@dmp/auth';
import { ActorRole, Ins, validateIns } from '@dmp/domain';
import {
  ReimbursementsErrorCode,
  ReimbursementsException,
} from '../imports/reimbursements.exception';
import { HistoryQueryDto } from './history-query.dto';
import { HistoryService } from './history.service';

@ApiTags('history')
@ApiBearerAuth()
@Controller('patients')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  /** The patient's reimbursement history (24 months), paginated, with totals per month. */
  @Get(':ins/reimbursements')
  @Roles(
    ActorRole.PATIENT,
    ActorRole.LEGAL_REPRESENTATIVE,
    ActorRole.PROFESSIONAL,
    ActorRole.ESTABLISHMENT,
    ActorRole.PHARMACY,
  )
  @ApiOperation({
    summary: "A patient's reimbursement history under the access rules (each read is traced)",
  })
  @ApiOkResponse({
    description: 'A HistoryPage: the page of lines, the total and the month totals',
  })
  // The body is JSON text built by PostgreSQL (see HistoryService.read).
  @Header('Content-Type', 'application/json; charset=utf-8')
  read(
    @Param('ins') rawIns: string,
    @Query() query: HistoryQueryDto,
    @CurrentActor() actor: Actor,
    @Headers('x-correlation-id') correlationId?: string,
  ): Promise<string> {
    const ins = validateIns(rawIns);
    if (!ins.ok || ins.value !== rawIns) {
      throw new ReimbursementsException(
        ReimbursementsErrorCode.INVALID_INS,
        'The INS in the path is not valid',
        [{ field: 'ins', reason: ins.ok ? 'must be written without spaces' : ins.reason }],
      );
    }
    return this.history.read(ins.value as Ins, actor, query, correlationId ?? randomUUID());
  }
}
