import { Body, Controller, HttpCode, Post, Req, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Actor, CurrentActor, Role, Roles, actorMayActForPatient, actorRef } from '@dmp/auth';
import { DomainException, MultipartFilesInterceptor } from '@dmp/platform';
import { HttpRequest, UploadedFile, correlationIdOf, parseMultipartSubmission } from './http-submission';
import { SourceSubmissionBody } from './source-submission.dto';
import { SubmissionAnswer, SubmissionPipeline } from './submission-pipeline.service';

function fieldsOf(document: object): Record<string, unknown> {
  return document as Record<string, unknown>;
}

/**
 * The ways in for those who are not establishments: a liberal professional from their own
 * software, and the patient (or a legal representative) from their space. Same submission shape
 * and same pipeline as establishments; the token says who submits, and so the source category.
 */
@ApiTags('submissions')
@ApiBearerAuth()
@Controller('submissions')
export class SourceSubmissionsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pipeline: SubmissionPipeline,
  ) {}

  /** A liberal professional's documents (author: the caller, filled in when absent). */
  @Post('professional')
  @HttpCode(200)
  @Roles(Role.PROFESSIONAL)
  @ApiOkResponse({ description: 'one result per document: accepted, duplicate, parked or rejected with reasons' })
  submitAsProfessional(@Body() body: SourceSubmissionBody, @CurrentActor() actor: Actor, @Req() request: HttpRequest): Promise<SubmissionAnswer> {
    return this.run(body.submissionId, this.professionalDocuments(actor, body.documents), actor, correlationIdOf(request));
  }

  /** Large bodies: a `submission` JSON field and one file per document named `document.<index>`. */
  @Post('professional/multipart')
  @HttpCode(200)
  @Roles(Role.PROFESSIONAL)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(MultipartFilesInterceptor())
  submitAsProfessionalMultipart(@Body() form: { submission?: string }, @UploadedFiles() files: UploadedFile[] | undefined, @CurrentActor() actor: Actor, @Req() request: HttpRequest): Promise<SubmissionAnswer> {
    const { submission, bodies } = parseMultipartSubmission(SourceSubmissionBody, form, files);
    return this.run(submission.submissionId, this.professionalDocuments(actor, submission.documents), actor, correlationIdOf(request), bodies);
  }

  /** Documents the patient adds to their own record, or a legal representative to a dependant's. */
  @Post('patient')
  @HttpCode(200)
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE)
  @ApiOkResponse({ description: 'one result per document: accepted, duplicate, parked or rejected with reasons' })
  submitAsPatient(@Body() body: SourceSubmissionBody, @CurrentActor() actor: Actor, @Req() request: HttpRequest): Promise<SubmissionAnswer> {
    return this.run(body.submissionId, this.patientDocuments(actor, body.documents), actor, correlationIdOf(request));
  }

  @Post('patient/multipart')
  @HttpCode(200)
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(MultipartFilesInterceptor())
  submitAsPatientMultipart(@Body() form: { submission?: string }, @UploadedFiles() files: UploadedFile[] | undefined, @CurrentActor() actor: Actor, @Req() request: HttpRequest): Promise<SubmissionAnswer> {
    const { submission, bodies } = parseMultipartSubmission(SourceSubmissionBody, form, files);
    return this.run(submission.submissionId, this.patientDocuments(actor, submission.documents), actor, correlationIdOf(request), bodies);
  }

  /**
   * A liberal professional submits as themselves: no establishment in their token (one acting for
   * an establishment submits through it), and every document's author is the caller.
   */
  private professionalDocuments(actor: Actor, documents: object[]): object[] {
    if (actor.role !== Role.PROFESSIONAL) throw new DomainException('ROLE_NOT_ALLOWED', 'only a professional submits here', 403);
    if (actor.finess !== undefined) {
      throw new DomainException('NOT_A_LIBERAL_PROFESSIONAL', `a professional acting for establishment ${actor.finess} submits through that establishment (POST /submissions)`, 403, [
        { field: 'finess', reason: 'a liberal professional token has no establishment' },
      ]);
    }
    return documents.map((document, index) => {
      const author = fieldsOf(document)['author'];
      if (author === undefined) return { ...document, author: { rpps: actor.rpps, profession: actor.profession } };
      if (typeof author === 'object' && author !== null) {
        const { rpps, profession } = author as Record<string, unknown>;
        if (rpps !== actor.rpps) {
          throw new DomainException('AUTHOR_MISMATCH', `documents.${index}.author.rpps: a liberal professional submits their own documents only (RPPS ${actor.rpps})`, 403, [
            { field: `documents.${index}.author.rpps`, reason: `must be the caller's RPPS ${actor.rpps}` },
          ]);
        }
        if (profession !== actor.profession) {
          throw new DomainException('AUTHOR_MISMATCH', `documents.${index}.author.profession: must be the caller's profession (${actor.profession})`, 403, [
            { field: `documents.${index}.author.profession`, reason: `must be the caller's profession ${actor.profession}` },
          ]);
        }
      }
      return document;
    });
  }

  /** The patient feeds their own record; a legal representative also those of the dependants their token lists. */
  private patientDocuments(actor: Actor, documents: object[]): object[] {
    documents.forEach((document, index) => {
      const ins = fieldsOf(document)['ins'];
      // A missing or malformed INS is the document's own validation error (rejected alone).
      if (typeof ins === 'string' && !actorMayActForPatient(actor, ins)) {
        throw new DomainException('NOT_OWN_RECORD', `documents.${index}.ins: ${actor.role === Role.PATIENT ? 'a patient adds documents to their own record only' : 'a legal representative adds documents to their own record or to those of the dependants they represent'}`, 403, [
          { field: `documents.${index}.ins`, reason: 'not the caller\'s record nor a dependant\'s they represent' },
        ]);
      }
    });
    return documents;
  }

  private async run(submissionId: string, documents: object[], actor: Actor, correlationId: string, bodies?: Map<number, Buffer>): Promise<SubmissionAnswer> {
    const [answer] = await this.dataSource.transaction((manager) =>
      this.pipeline.submit(manager, [{ submissionId, documents, way: 'http', addedBy: actorRef(actor), correlationId, bodies }]),
    );
    return answer;
  }
}
