import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@dmp/auth';
import { toCsv } from './csv';
import { FiguresQueryDto } from './figures.dto';
import { FiguresService } from './figures.service';

/** The reply of either HTTP adapter (Fastify's or Express'): both have header() and send(). */
type Response = { header(name: string, value: string): unknown; send(body: string): unknown };

/** The roll-out figures: for the insurer's staff (CPAM agents) and the operators. */
@ApiTags('figures')
@ApiBearerAuth()
@Roles(Role.OPERATOR, Role.CPAM_AGENT)
@Controller('figures')
export class FiguresController {
  constructor(private readonly figures: FiguresService) {}

  @Get('records')
  async records(@Query() query: FiguresQueryDto): Promise<unknown> {
    return this.figures.summary(query);
  }

  @Get('openings')
  async openings(@Query() query: FiguresQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.openings(query);
    return query.format === 'csv' ? csv(res, 'openings.csv', toCsv(rows, ['period', 'channel', 'opened'])) : rows;
  }

  @Get('coverage')
  async coverage(@Query() query: FiguresQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.coverage();
    return query.format === 'csv'
      ? csv(res, 'coverage.csv', toCsv(rows, ['cpamCode', 'name', 'coveredPopulation', 'openRecords', 'coverageRate']))
      : rows;
  }

  @Get('pharmacy-openings')
  async pharmacyOpenings(@Query() query: FiguresQueryDto, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const rows = await this.figures.pharmacyOpenings(query);
    return query.format === 'csv' ? csv(res, 'pharmacy-openings.csv', toCsv(rows, ['finess', 'opened'])) : rows;
  }
}

function csv(res: Response, filename: string, body: string): string {
  res.header('content-type', 'text/csv; charset=utf-8');
  res.header('content-disposition', `attachment; filename="${filename}"`);
  return body;
}
