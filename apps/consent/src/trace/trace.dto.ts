import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { LimitQuery } from '../common/limit-query.dto';

/** A page of the trace: its size and the cursor of the next page. */
export class ListTraceQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class TraceEntryView {
  @ApiProperty() accessId!: string;
  @ApiProperty({ description: 'When the access happened' }) at!: string;
  @ApiProperty({ description: 'Who: role and RPPS / FINESS / INS' }) accessor!: { role: string; id: string; profession: string | null; finess: string | null };
  @ApiProperty({ description: 'What: a document (id, type) or reimbursement data' }) target!: { kind: string; id: string; documentType: string | null };
  @ApiProperty({ enum: ['normal', 'emergency', 'samu-regulation', 'establishment-without-card'] }) mode!: string;
  @ApiProperty() granted!: boolean;
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty() rulesVersion!: string;
  @ApiPropertyOptional({ nullable: true }) emergencyReason!: string | null;
  @ApiProperty({ description: 'The service that served or refused the read' }) producer!: string;
}

export class TracePageView {
  @ApiProperty({ type: [TraceEntryView] }) items!: TraceEntryView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as cursor for the next (older) page; null at the end' }) nextCursor!: string | null;
}
