import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Role, Roles, actorId } from '@dmp/auth';
import { ActorRole } from '@dmp/domain';
import { RequestStream } from '@dmp/platform';
import { Readable } from 'node:stream';
import { openerOf } from '../records/opener';
import { RecordErrorCode, RecordException } from '../records/record.exception';
import { BulkJobEntity } from './bulk-job.entity';
import { BulkOpeningService } from './bulk-opening.service';
import { BulkFileError } from './bulk-row-reader';
import { BulkJobView, CreateBulkJobDto, toBulkJobView } from './bulk.dto';

const BULK_ROLES = [Role.CPAM_AGENT, Role.ESTABLISHMENT];

/**
 * Mass campaigns. Two steps so progress can be followed while the file streams in:
 * POST /bulk-jobs (format) -> id; PUT /bulk-jobs/:id/file with the raw NDJSON or CSV body
 * (streamed, processed as it arrives; answers when the whole file is done);
 * GET /bulk-jobs/:id while it runs; GET /bulk-jobs/:id/results for the per-row result file.
 */
@ApiTags('bulk')
@ApiBearerAuth()
@Controller('bulk-jobs')
export class BulkController {
  constructor(private readonly bulk: BulkOpeningService) {}

  @Post()
  @Roles(...BULK_ROLES)
  @ApiOperation({ summary: 'Create a mass-opening job (CPAM agents, establishments). Rows are opened in the caller\'s name and channel.' })
  @ApiOkResponse({ type: BulkJobView })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateBulkJobDto): Promise<BulkJobView> {
    return toBulkJobView(await this.bulk.createJob(actor, body.format, body.fileName ?? null, body.expectedRows ?? null));
  }

  @Put(':id/file')
  @HttpCode(200)
  @Roles(...BULK_ROLES)
  @ApiConsumes('application/x-ndjson', 'text/csv', 'application/octet-stream')
  @ApiBody({ description: 'The campaign file, streamed. NDJSON: one POST /records body per line. CSV: header ' + 'ins,familyName,givenNames,birthDate,cpamCode,email,mobile,emergencyAccess,samuAccess,consentAt,consentGivenBy,consentPlace,legalRepresentatives' })
  @ApiOperation({ summary: 'Upload the file of a created job; processed while it streams; answers with the final counts.' })
  @ApiOkResponse({ type: BulkJobView })
  async upload(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @RequestStream() req: Readable): Promise<BulkJobView> {
    const job = await this.ownJob(actor, id);
    const opener = openerOf(actor);
    if (!opener) throw new RecordException(RecordErrorCode.FORBIDDEN_FOR_ACTOR, `a ${actor.role} may not open records`);
    if (!(await this.bulk.start(job.id))) {
      throw new HttpException({ statusCode: 409, code: 'BULK_JOB_ALREADY_STARTED', message: `job ${id} is ${job.status}: create a new job to upload another file` }, HttpStatus.CONFLICT);
    }
    try {
      await this.bulk.run(job, actor, opener, req, job.format);
    } catch (error) {
      if (error instanceof BulkFileError) {
        throw new HttpException({ statusCode: 400, code: 'BULK_FILE_INVALID', message: error.message, errors: [{ field: 'file', reason: error.message }] }, HttpStatus.BAD_REQUEST);
      }
      throw error;
    }
    return toBulkJobView(await this.ownJob(actor, id));
  }

  @Get(':id')
  @Roles(...BULK_ROLES, Role.OPERATOR)
  @ApiOperation({ summary: 'Progress of a job (rows processed, opened, already opened, conflicts, rejected, rate).' })
  @ApiOkResponse({ type: BulkJobView })
  async get(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<BulkJobView> {
    return toBulkJobView(await this.ownJob(actor, id));
  }

  @Get(':id/results')
  @Roles(...BULK_ROLES, Role.OPERATOR)
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOperation({ summary: 'Per-row results (line, ins, outcome, recordId or errors), NDJSON or ?format=csv; available as batches commit.' })
  async results(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Query('format') format: string | undefined): Promise<StreamableFile> {
    await this.ownJob(actor, id);
    const csv = format === 'csv';
    if (format !== undefined && format !== 'csv' && format !== 'ndjson') throw RecordException.validation([{ field: 'format', reason: 'format must be ndjson or csv' }]);
    // Streamed (with back-pressure) by whichever HTTP adapter runs the app.
    return new StreamableFile(Readable.from(csv ? this.csvResults(id) : this.bulk.resultChunks(id)), { type: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson' });
  }

  private async *csvResults(id: string): AsyncGenerator<string> {
    yield 'line,ins,outcome,recordId,error\n';
    for await (const rows of this.bulk.results(id)) {
      yield rows
        .map((r) => [r.line, r.ins ?? '', r.outcome, r.recordId ?? '', (r.errors ?? []).map((e) => `${e.field}: ${e.reason}`).join('; ')].map(csvCell).join(',') + '\n')
        .join('');
    }
  }

  /** Jobs are visible to their submitter (same agent / establishment) and to operators. */
  private async ownJob(actor: Actor, id: string): Promise<BulkJobEntity> {
    const job = await this.bulk.find(id);
    const submitter = job?.submittedBy as { role?: string } | undefined;
    const mine = job && (actor.role === ActorRole.OPERATOR || (submitter?.role === actor.role && actorId(submitter as Actor) === actorId(actor)));
    if (!job || !mine) throw new HttpException({ statusCode: 404, code: 'BULK_JOB_NOT_FOUND', message: `no bulk job ${id} of yours` }, HttpStatus.NOT_FOUND);
    return job;
  }
}

function csvCell(value: string | number): string {
  const s = String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
