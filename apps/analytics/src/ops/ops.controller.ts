import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@dmp/auth';
import { OpsStatusDocument, OpsStatusService } from './ops-status.service';

/** The services' health, throughput, errors, lag and backlog, for operators and their dashboard. */
@ApiTags('ops')
@ApiBearerAuth()
@Roles(Role.OPERATOR)
@Controller('ops')
export class OpsController {
  private readonly logger = new Logger(OpsController.name);

  constructor(private readonly status: OpsStatusService) {}

  @Get('status')
  @ApiOperation({ summary: "Every service's health from its heartbeats, dead letters, consumer lag, outbox backlog, running imports and the chart figures" })
  @ApiOkResponse({ description: 'the status document the dashboard draws' })
  @ApiServiceUnavailableResponse({ description: "analytics' database did not answer (the page retries)" })
  async get(): Promise<OpsStatusDocument> {
    try {
      return await this.status.status();
    } catch (error) {
      // A saturated or unreachable database is a state of the system, not a bug: 503, retried.
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ msg: 'ops status unavailable', reason });
      throw new ServiceUnavailableException({ statusCode: 503, code: 'OPS_STATUS_UNAVAILABLE', message: `the ops tables could not be read: ${reason}` });
    }
  }
}
