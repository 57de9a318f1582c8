import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@dmp/auth';
import { OpsStatusDocument, OpsStatusService } from './ops-status.service';

/** The services' health, throughput, errors, lag and backlog, for operators and their dashboard. */
@ApiTags('ops')
@ApiBearerAuth()
@Roles(Role.OPERATOR)
@Controller('ops')
export class OpsController {
  constructor(private readonly status: OpsStatusService) {}

  @Get('status')
  @ApiOperation({ summary: "Every service's health from its heartbeats, dead letters, consumer lag, outbox backlog, running imports and the chart figures" })
  @ApiOkResponse({ description: 'the status document the dashboard draws' })
  async get(): Promise<OpsStatusDocument> {
    return this.status.status();
  }
}
