import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { Roles } from '@dmp/auth';
import { ActorRole } from '@dmp/domain';
import { RequestStream, SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { ImportSource } from '../import/feed-importer';
import { ImportQueueService, QueueEntry } from './import-queue.service';
import { PurgeResult, PurgeService } from './purge.service';
import { ReimbursementsErrorCode, ReimbursementsException } from './reimbursements.exception';

const SHA256 = /^[0-9a-fA-F]{64}$/;

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
export class ImportsController {
  constructor(
    private readonly queue: ImportQueueService,
    private readonly purgeService: PurgeService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ReimbursementsConfig,
  ) {}

  /**
   * Streaming upload of a feed file (plain or gzip) as the raw request body: spooled to disk as
   * it arrives (memory stays flat whatever the size), then queued for import.
   */
  @Post()
  @HttpCode(202)
  @Roles(ActorRole.INSURER_PIPELINE, ActorRole.OPERATOR)
  @ApiOperation({
    summary:
      'Upload a feed file (raw body, Content-Type application/octet-stream, text/csv or application/gzip)',
  })
  @ApiHeader({
    name: 'x-content-sha256',
    required: true,
    description: 'sha256 of the body as sent (hex)',
  })
  async upload(
    @RequestStream() request: IncomingMessage,
  ): Promise<{ queueId: string; status: string; statusUrl: string }> {
    const declared = request.headers['x-content-sha256'];
    if (typeof declared !== 'string' || !SHA256.test(declared)) {
      throw new ReimbursementsException(
        ReimbursementsErrorCode.CHECKSUM_REQUIRED,
        'The upload needs its sha256',
        [
          {
            field: 'x-content-sha256',
            reason: 'header required: the sha256 of the body, 64 hexadecimal characters',
          },
        ],
      );
    }
    const dir = resolve(this.config.REIMBURSEMENTS_SPOOL_DIR);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${randomUUID()}.feed`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(request, counter, createWriteStream(path));
    if (bytes === 0) {
      await rm(path, { force: true });
      throw new ReimbursementsException(
        ReimbursementsErrorCode.EMPTY_UPLOAD,
        'The request body is empty',
        [{ field: 'body', reason: 'a feed file is required' }],
      );
    }
    const entry = await this.queue.enqueue({
      location: path,
      sha256: declared.toLowerCase(),
      source: ImportSource.UPLOAD,
    });
    return { queueId: entry.id, status: entry.status, statusUrl: `/imports/queue/${entry.id}` };
  }

  @Get('queue/:id')
  @Roles(ActorRole.INSURER_PIPELINE, ActorRole.OPERATOR)
  @ApiOperation({
    summary: 'A queued import: pending, done (with its outcome and file id) or failed',
  })
  async queueEntry(@Param('id') id: string): Promise<QueueEntry> {
    const entry = await this.queue.find(id);
    if (!entry)
      throw new ReimbursementsException(
        ReimbursementsErrorCode.IMPORT_NOT_FOUND,
        `No queued import ${id}`,
        [{ field: 'id', reason: 'unknown' }],
      );
    return entry;
  }

  /** Progress of a file: lines done, rate over the last ten seconds, ETA, counts by outcome. */
  @Get('files/:fileId')
  @Roles(ActorRole.INSURER_PIPELINE, ActorRole.OPERATOR)
  @ApiOperation({ summary: 'Progress and counts of one file' })
  async file(@Param('fileId') fileId: string): Promise<FileProgress> {
    const rows = (await this.dataSource.query(
      `SELECT f.*, b.lines_done, b.imported_so_far, b.duplicates_so_far, b.rejected_so_far, b.unknown_so_far, b.out_of_window_so_far, b.recent_lines
         FROM reimbursement_files f,
              LATERAL (SELECT coalesce(sum(line_count), 0) AS lines_done, coalesce(sum(imported), 0) AS imported_so_far,
                              coalesce(sum(duplicates), 0) AS duplicates_so_far, coalesce(sum(rejected), 0) AS rejected_so_far,
                              coalesce(sum(unknown_patient), 0) AS unknown_so_far, coalesce(sum(out_of_window), 0) AS out_of_window_so_far,
                              coalesce(sum(line_count) FILTER (WHERE committed_at > now() - interval '10 seconds'), 0) AS recent_lines
                         FROM reimbursement_import_batches WHERE file_id = f.file_id) b
        WHERE f.file_id = $1`,
      [fileId],
    )) as Record<string, string | Date | null>[];
    const row = rows[0];
    if (!row)
      throw new ReimbursementsException(
        ReimbursementsErrorCode.FILE_NOT_FOUND,
        `No file ${fileId}`,
        [{ field: 'fileId', reason: 'unknown' }],
      );
    const declared = Number(row.declared_lines);
    const done = row.status === 'completed' ? Number(row.lines_read) : Number(row.lines_done);
    const rate = row.status === 'importing' ? Number(row.recent_lines) / 10 : 0;
    return {
      fileId,
      kind: String(row.kind),
      status: String(row.status),
      refusalReason: (row.refusal_reason as string | null) ?? null,
      declaredLines: declared,
      linesDone: done,
      linesPerSecond: rate,
      etaSeconds:
        row.status === 'importing' && rate > 0 ? Math.round((declared - done) / rate) : null,
      counts: {
        imported: Number(row.status === 'completed' ? row.imported : row.imported_so_far),
        duplicates: Number(row.status === 'completed' ? row.duplicates : row.duplicates_so_far),
        rejected: Number(row.status === 'completed' ? row.rejected : row.rejected_so_far),
        unknownPatient: Number(
          row.status === 'completed' ? row.unknown_patient : row.unknown_so_far,
        ),
        outOfWindow: Number(
          row.status === 'completed' ? row.out_of_window : row.out_of_window_so_far,
        ),
      },
      startedAt: row.started_at as Date,
      completedAt: (row.completed_at as Date | null) ?? null,
    };
  }

  /** The rejects report: line number and reason of each rejected line (up to 1,000 kept per batch). */
  @Get('files/:fileId/rejects')
  @Roles(ActorRole.INSURER_PIPELINE, ActorRole.OPERATOR)
  @ApiOperation({ summary: 'Rejected lines of a file with their reasons' })
  async rejects(
    @Param('fileId') fileId: string,
    @Query('afterLine') afterLine?: string,
    @Query('limit') limit?: string,
  ): Promise<{ rejects: { lineNo: number; reason: string }[] }> {
    const after = afterLine === undefined ? 0 : Number(afterLine);
    const size = limit === undefined ? 1000 : Number(limit);
    if (!Number.isInteger(after) || after < 0)
      throw new ReimbursementsException(ReimbursementsErrorCode.INVALID_QUERY, 'Bad afterLine', [
        { field: 'afterLine', reason: 'must be a non-negative integer' },
      ]);
    if (!Number.isInteger(size) || size < 1 || size > 10_000)
      throw new ReimbursementsException(ReimbursementsErrorCode.INVALID_QUERY, 'Bad limit', [
        { field: 'limit', reason: 'must be an integer from 1 to 10000' },
      ]);
    const rows = (await this.dataSource.query(
      'SELECT line_no, reason FROM reimbursement_import_rejects WHERE file_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3',
      [fileId, after, size],
    )) as {
      line_no: string;
      reason: string;
    }[];
    return { rejects: rows.map((r) => ({ lineNo: Number(r.line_no), reason: r.reason })) };
  }

  /** Runs the window purge now (it also runs on a schedule). */
  @Post('purge')
  @HttpCode(200)
  @Roles(ActorRole.OPERATOR)
  @ApiOperation({ summary: 'Drop the monthly partitions older than the 24-month window' })
  purge(): Promise<PurgeResult> {
    return this.purgeService.purge();
  }
}

export interface FileProgress {
  fileId: string;
  kind: string;
  status: string;
  refusalReason: string | null;
  declaredLines: number;
  linesDone: number;
  linesPerSecond: number;
  etaSeconds: number | null;
  counts: {
    imported: number;
    duplicates: number;
    rejected: number;
    unknownPatient: number;
    outOfWindow: number;
  };
  startedAt: Date;
  completedAt: Date | null;
}
