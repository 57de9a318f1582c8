import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Post, Req, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { DocumentSubmissionPayload, validateAs } from '@dmp/contracts';
import { Actor, CurrentActor, Role, Roles } from '@dmp/auth';
import { DomainException } from '@dmp/platform';
import { SubmissionAnswer, SubmissionPipeline } from './submission-pipeline.service';

interface UploadedFile {
  fieldname: string;
  buffer: Buffer;
}

function correlationIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : randomUUID();
}

/** The HTTP way in, for establishments without Kafka: the same submission, answered in the response. */
@ApiTags('submissions')
@ApiBearerAuth()
@Controller('submissions')
export class SubmissionsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pipeline: SubmissionPipeline,
  ) {}

  /** Documents with their bodies inline (bodyBase64), as on the submissions topic. */
  @Post()
  @HttpCode(200)
  @Roles(Role.ESTABLISHMENT)
  @ApiOkResponse({ description: 'one result per document: accepted, duplicate, parked or rejected with reasons' })
  submit(@Body() body: DocumentSubmissionPayload, @CurrentActor() actor: Actor, @Req() request: { headers: Record<string, string | string[] | undefined> }): Promise<SubmissionAnswer> {
    return this.run(body, actor, correlationIdOf(request));
  }

  /**
   * Large bodies: a multipart form with a `submission` field (the JSON submission, documents
   * without bodyBase64) and one file per document named `document.<index>`.
   */
  @Post('multipart')
  @HttpCode(200)
  @Roles(Role.ESTABLISHMENT)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(AnyFilesInterceptor())
  async submitMultipart(
    @Body() form: { submission?: string },
    @UploadedFiles() files: UploadedFile[] | undefined,
    @CurrentActor() actor: Actor,
    @Req() request: { headers: Record<string, string | string[] | undefined> },
  ): Promise<SubmissionAnswer> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(form.submission ?? '');
    } catch {
      throw new DomainException('INVALID_SUBMISSION', 'the submission field must hold the submission as JSON', 400, [{ field: 'submission', reason: 'must be a JSON object' }]);
    }
    const checked = validateAs(DocumentSubmissionPayload, parsed, 'submission');
    if (!checked.ok) throw new DomainException('INVALID_SUBMISSION', checked.reason, 400, checked.errors);
    const bodies = new Map<number, Buffer>();
    for (const file of files ?? []) {
      const match = /^document\.(\d+)$/.exec(file.fieldname);
      if (!match) throw new DomainException('INVALID_SUBMISSION', `unexpected file field ${file.fieldname}`, 400, [{ field: file.fieldname, reason: 'file fields must be named document.<index>' }]);
      bodies.set(Number(match[1]), file.buffer);
    }
    checked.value.documents.forEach((_document, index) => {
      if (!bodies.has(index)) throw new DomainException('INVALID_SUBMISSION', `no file for document ${index}`, 400, [{ field: `document.${index}`, reason: 'each document needs its body as a file field document.<index>' }]);
    });
    return this.run(checked.value, actor, correlationIdOf(request), bodies);
  }

  private async run(body: DocumentSubmissionPayload, actor: Actor, correlationId: string, bodies?: Map<number, Buffer>): Promise<SubmissionAnswer> {
    if (actor.role !== Role.ESTABLISHMENT || actor.finess !== body.establishment.finess) {
      throw new DomainException('ESTABLISHMENT_MISMATCH', 'an establishment submits its own documents only', 403, [{ field: 'establishment.finess', reason: 'must be the FINESS of the calling establishment' }]);
    }
    const [answer] = await this.dataSource.transaction((manager) =>
      this.pipeline.submit(manager, [
        { submissionId: body.submissionId, establishment: body.establishment, documents: body.documents, way: 'http', addedBy: { role: Role.ESTABLISHMENT, id: actor.finess }, correlationId, bodies },
      ]),
    );
    return answer;
  }
}
