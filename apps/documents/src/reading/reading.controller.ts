import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Role, Roles } from '@dmp/auth';
import { Ins, validateIns } from '@dmp/domain';
import { DomainException } from '@dmp/platform';
import { DocumentStatus } from '../documents/document.entity';
import { ChangeVisibilityBody, FetchDocumentQuery, ListDocumentsQuery } from './reading.dto';
import { DocumentView, ListPage, ReadingService } from './reading.service';

type Request = { headers: Record<string, string | string[] | undefined> };

function correlationIdOf(request: Request): string {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : randomUUID();
}

function insOf(raw: string): Ins {
  const result = validateIns(raw);
  if (!result.ok || result.value !== raw) throw new DomainException('INVALID_INS', `ins: ${result.ok ? 'must be written without spaces' : result.reason}`, 400, [{ field: 'ins', reason: result.ok ? 'must be canonical' : result.reason }]);
  return result.value;
}

const READERS = [Role.PROFESSIONAL, Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.ESTABLISHMENT] as const;
/** Who may archive, delete or change visibility; the service narrows it to the author, the patient or their representative. */
const MANAGERS = READERS;

@ApiTags('documents')
@ApiBearerAuth()
@Controller('patients/:ins/documents')
export class ReadingController {
  constructor(private readonly reading: ReadingService) {}

  /** The patient's documents the caller may see (filters, pagination); every one considered is traced. */
  @Get()
  @Roles(...READERS)
  list(@Param('ins') ins: string, @Query() query: ListDocumentsQuery, @CurrentActor() actor: Actor, @Req() request: Request): Promise<ListPage> {
    return this.reading.list(actor, insOf(ins), query, correlationIdOf(request));
  }

  /** One document: metadata and body (base64), after the access decision (traced either way). */
  @Get(':documentId')
  @Roles(...READERS)
  fetch(@Param('ins') ins: string, @Param('documentId') documentId: string, @Query() query: FetchDocumentQuery, @CurrentActor() actor: Actor, @Req() request: Request): Promise<DocumentView & { bodyBase64: string }> {
    return this.reading.fetch(actor, insOf(ins), documentId, query, correlationIdOf(request));
  }

  @Post(':documentId/archive')
  @HttpCode(200)
  @Roles(...MANAGERS)
  archive(@Param('ins') ins: string, @Param('documentId') documentId: string, @CurrentActor() actor: Actor, @Req() request: Request): Promise<DocumentView> {
    return this.reading.changeStatus(actor, insOf(ins), documentId, DocumentStatus.ARCHIVED, correlationIdOf(request));
  }

  /** Masks or unmasks, keeps from the patient until explained, keeps from legal representatives. */
  @Patch(':documentId/visibility')
  @Roles(...MANAGERS)
  changeVisibility(@Param('ins') ins: string, @Param('documentId') documentId: string, @Body() body: ChangeVisibilityBody, @CurrentActor() actor: Actor, @Req() request: Request): Promise<DocumentView> {
    return this.reading.changeVisibility(actor, insOf(ins), documentId, body, correlationIdOf(request));
  }

  /** Deletes the document's bodies (all its versions); its metadata stays as a tombstone. */
  @Delete(':documentId')
  @Roles(...MANAGERS)
  remove(@Param('ins') ins: string, @Param('documentId') documentId: string, @CurrentActor() actor: Actor, @Req() request: Request): Promise<DocumentView> {
    return this.reading.changeStatus(actor, insOf(ins), documentId, DocumentStatus.DELETED, correlationIdOf(request));
  }
}
