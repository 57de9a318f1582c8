import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@dmp/auth';
import { toCsv } from './csv';
import { DistinctQueryDto, DocumentsQueryDto, NotificationsQueryDto, PatientsAddingQueryDto, PeriodQueryDto } from './activity-figures.dto';
import { ActivityFiguresService } from './activity-figures.service';

/** The reply of either HTTP adapter (Fastify's or Express'): both have header() and send(). */
type Response = { header(name: string, value: string): unknown; send(body: string): unknown };

/** Who feeds and reads the DMPs, and what flows through them: for CPAM agents and operators. */
@ApiTags('figures')
@ApiBearerAuth()
@Roles(Role.OPERATOR, Role.CPAM_AGENT)
@Controller('figures')
export class ActivityFiguresController {
  constructor(private readonly figures: ActivityFiguresService) {}

  @Get('documents')
  async documents(@Query() query: DocumentsQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.documents(query);
    return query.format === 'csv' ? csv(res, 'documents.csv', toCsv(rows, ['period', 'sourceCategory', 'type', 'documents', 'replacements'])) : rows;
  }

  @Get('feeding-establishments')
  async feedingEstablishments(@Query() query: DistinctQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.feedingEstablishments(query);
    return query.format === 'csv' ? csv(res, 'feeding-establishments.csv', toCsv(rows, ['period', 'kind', 'category', 'establishments'])) : rows;
  }

  @Get('feeding-professionals')
  async feedingProfessionals(@Query() query: DistinctQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.feedingProfessionals(query);
    return query.format === 'csv' ? csv(res, 'feeding-professionals.csv', toCsv(rows, ['period', 'profession', 'professionals'])) : rows;
  }

  @Get('consulting-professionals')
  async consultingProfessionals(@Query() query: DistinctQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.consultingProfessionals(query);
    return query.format === 'csv' ? csv(res, 'consulting-professionals.csv', toCsv(rows, ['period', 'profession', 'professionals'])) : rows;
  }

  @Get('patients-adding-documents')
  async patientsAdding(@Query() query: PatientsAddingQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.patientsAdding(query);
    return query.format === 'csv' ? csv(res, 'patients-adding-documents.csv', toCsv(rows, ['period', 'patients'])) : rows;
  }

  @Get('notifications')
  async notifications(@Query() query: NotificationsQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.notifications(query);
    return query.format === 'csv' ? csv(res, 'notifications.csv', toCsv(rows, ['period', 'trigger', 'channel', 'notifications'])) : rows;
  }

  @Get('reimbursement-lines')
  async reimbursementLines(@Query() query: PeriodQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.reimbursementLines(query);
    return query.format === 'csv'
      ? csv(
          res,
          'reimbursement-lines.csv',
          toCsv(rows, ['period', 'kind', 'files', 'refusedFiles', 'linesRead', 'linesImported', 'duplicates', 'rejected', 'unknownPatient', 'outOfWindow']),
        )
      : rows;
  }
}

function csv(res: Response, filename: string, body: string): string {
  res.header('content-type', 'text/csv; charset=utf-8');
  res.header('content-disposition', `attachment; filename="${filename}"`);
  return body;
}
