import { Body, Controller, HttpCode, Post, Req, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { DocumentSubmissionPayload } from '@dmp/contracts';
import { Actor, CurrentActor, Role, Roles } from '@dmp/auth';
import { establishmentKindOf } from '@dmp/domain';
import { DomainException, MultipartFilesInterceptor } from '@dmp/platform';
import { UploadedFile, correlationIdOf, parseMultipartSubmission } from './http-submission';
import { SubmissionAnswer, SubmissionPipeline } from './submission-pipeline.service';

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
  @UseInterceptors(MultipartFilesInterceptor())
  async submitMultipart(
    @Body() form: { submission?: string },
    @UploadedFiles() files: UploadedFile[] | undefined,
    @CurrentActor() actor: Actor,
    @Req() request: { headers: Record<string, string | string[] | undefined> },
  ): Promise<SubmissionAnswer> {
    const { submission, bodies } = parseMultipartSubmission(DocumentSubmissionPayload, form, files);
    return this.run(submission, actor, correlationIdOf(request), bodies);
  }

  private async run(body: DocumentSubmissionPayload, actor: Actor, correlationId: string, bodies?: Map<number, Buffer>): Promise<SubmissionAnswer> {
    if (actor.role !== Role.ESTABLISHMENT || actor.finess !== body.establishment.finess) {
      throw new DomainException('ESTABLISHMENT_MISMATCH', 'an establishment submits its own documents only', 403, [{ field: 'establishment.finess', reason: 'must be the FINESS of the calling establishment' }]);
    }
    // The kind decides the source category analytics counts: a laboratory may not pass for a
    // hospital. A (kind, category) pair that does not agree is the pipeline's to refuse, with its reason.
    const consistent = establishmentKindOf[body.establishment.category] === body.establishment.kind;
    for (const field of consistent ? (['kind', 'category'] as const) : (['kind'] as const)) {
      if (actor[field] !== body.establishment[field]) {
        throw new DomainException('ESTABLISHMENT_MISMATCH', `establishment.${field}: the calling establishment is ${actor[field]}`, 403, [{ field: `establishment.${field}`, reason: `must be the ${field} of the calling establishment (${actor[field]})` }]);
      }
    }
    const [answer] = await this.dataSource.transaction((manager) =>
      this.pipeline.submit(manager, [
        { submissionId: body.submissionId, establishment: body.establishment, documents: body.documents, way: 'http', addedBy: { role: Role.ESTABLISHMENT, id: actor.finess }, correlationId, bodies },
      ]),
    );
    return answer;
  }
}
