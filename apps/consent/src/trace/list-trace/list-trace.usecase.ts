import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainException } from '@dmp/platform';
import { TraceEntryView, TracePageView } from '../trace.dto';
import { ListTraceCommand } from './list-trace.command';

interface TraceRow {
  access_id: string;
  accessed_at: Date;
  accessor_role: string;
  accessor_id: string;
  profession: string | null;
  finess: string | null;
  target_kind: string;
  target_id: string;
  document_type: string | null;
  mode: string;
  granted: boolean;
  reasons: string[];
  rules_version: string;
  emergency_reason: string | null;
  producer: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function encodeCursor(row: TraceRow): string {
  return Buffer.from(`${row.accessed_at.toISOString()}|${row.access_id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; accessId: string } {
  const [at, accessId] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !accessId || Number.isNaN(Date.parse(at)) || !UUID.test(accessId)) {
    throw new DomainException('INVALID_CURSOR', 'cursor: not a cursor this API returned', 400, [{ field: 'cursor', reason: 'not a cursor this API returned' }]);
  }
  return { at, accessId };
}

/** The patient's access trace, newest first, keyset-paginated on (accessed_at, access_id): stable while new accesses arrive. */
@Injectable()
export class ListTraceUseCase {
  constructor(private readonly dataSource: DataSource) {}

  async execute(command: ListTraceCommand): Promise<TracePageView> {
    const after = command.cursor ? decodeCursor(command.cursor) : null;
    const rows: TraceRow[] = await this.dataSource.query(
      `SELECT access_id, accessed_at, accessor_role, accessor_id, profession, finess, target_kind, target_id, document_type, mode, granted, reasons, rules_version, emergency_reason, producer
       FROM access_trace
       WHERE ins = $1 AND ($2::timestamptz IS NULL OR (accessed_at, access_id) < ($2::timestamptz, $3::uuid))
       ORDER BY accessed_at DESC, access_id DESC
       LIMIT $4`,
      [command.ins, after?.at ?? null, after?.accessId ?? null, command.limit + 1],
    );
    const page = rows.slice(0, command.limit);
    return {
      items: page.map(toEntry),
      nextCursor: rows.length > command.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }
}

function toEntry(row: TraceRow): TraceEntryView {
  return {
    accessId: row.access_id,
    at: row.accessed_at.toISOString(),
    accessor: { role: row.accessor_role, id: row.accessor_id, profession: row.profession, finess: row.finess },
    target: { kind: row.target_kind, id: row.target_id, documentType: row.document_type },
    mode: row.mode,
    granted: row.granted,
    reasons: row.reasons,
    rulesVersion: row.rules_version,
    emergencyReason: row.emergency_reason,
    producer: row.producer,
  };
}
