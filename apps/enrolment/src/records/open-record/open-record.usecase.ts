import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { openingEvents } from '../record-events';
import { RecordEntity } from '../record.entity';
import { Opener } from '../opener';
import { NewRecordRow, findRecordsByIns, insertNewRecords, newRecordRow } from '../record-rows';
import { OpenRecordCommand } from './open-record.command';

/**
 * - opened: this request created the record (and its events).
 * - already-opened: the same opener already opened it through the same channel; a retry,
 *   answered with the same record and no new event.
 * - conflict: the record exists, opened by someone else or through another channel.
 */
export type OpeningOutcome =
  | { kind: 'opened'; record: RecordEntity }
  | { kind: 'already-opened'; record: RecordEntity }
  | { kind: 'conflict'; record: RecordEntity };

/**
 * The answer to an opening whose INS already had a record: the same opener through the same
 * channel is a retry (already-opened), anyone else a conflict.
 */
export function collisionOutcome(ins: string, existing: RecordEntity | undefined, opener: Opener): OpeningOutcome {
  // The row cannot vanish: records are never deleted, and the conflicting one is committed (or
  // ours, earlier in the same statement).
  if (!existing) throw new Error(`record ${ins} collided but cannot be read`);
  const same = existing.openingChannel === opener.channel && existing.openedById === opener.id;
  return { kind: same ? 'already-opened' : 'conflict', record: existing };
}

/** Opening statements of single requests in flight at once (see OpenRecordUseCase.execute). */
export const SINGLE_OPENING_STATEMENTS = 4;
/** Single openings sharing one statement at most. */
export const SINGLE_OPENING_BATCH = 64;

interface Waiting {
  command: OpenRecordCommand;
  resolve: (outcome: OpeningOutcome) => void;
  reject: (error: unknown) => void;
}

@Injectable()
export class OpenRecordUseCase {
  private readonly waiting: Waiting[] = [];
  private statements = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Opens one record. Concurrent requests share statements: at most SINGLE_OPENING_STATEMENTS
   * run at once, and the requests that arrive meanwhile go together into the next one (one
   * round trip, one plan, one commit, one WAL flush for all of them). A lone request goes at
   * once, so nothing waits for a timer. Each answer is given only after the statement holding
   * its record and outbox row has committed: durability is that of a single opening. If a
   * shared statement fails, its requests are retried one by one, so a request can only fail
   * for its own reason.
   */
  execute(command: OpenRecordCommand): Promise<OpeningOutcome> {
    return new Promise<OpeningOutcome>((resolve, reject) => {
      this.waiting.push({ command, resolve, reject });
      this.startStatements();
    });
  }

  private startStatements(): void {
    while (this.statements < SINGLE_OPENING_STATEMENTS && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, SINGLE_OPENING_BATCH);
      this.statements++;
      void this.runShared(batch).finally(() => {
        this.statements--;
        this.startStatements();
      });
    }
  }

  private async runShared(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await this.openMany(batch.map((w) => w.command));
      batch.forEach((w, i) => w.resolve(outcomes[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (w) => {
          try {
            w.resolve((await this.openMany([w.command]))[0]);
          } catch (single) {
            w.reject(single);
          }
        }),
      );
    }
  }

  /**
   * One statement inserts the rows (INSERT ... ON CONFLICT ("ins") DO NOTHING RETURNING) and the
   * outbox events of the rows actually inserted; one SELECT reads the rows that collided.
   * Concurrent duplicates are settled by the unique index: the loser's insert waits for the
   * winner's commit, returns nothing, and then reads the winner's row, so it answers with the
   * same record and writes no event. Two openings of one INS in the same statement settle the
   * same way (the first inserted wins, the other reads it).
   */
  private async openMany(commands: OpenRecordCommand[]): Promise<OpeningOutcome[]> {
    const now = new Date();
    const correlationIds = new Map<string, string>();
    const rows: NewRecordRow[] = commands.map(({ opening, opener, correlationId }) => {
      const row = newRecordRow(opening, opener, now);
      correlationIds.set(row.id, correlationId);
      return row;
    });

    const open = async (manager: EntityManager): Promise<OpeningOutcome[]> => {
      const inserted = await insertNewRecords(manager, rows, (record) => openingEvents(record, correlationIds.get(record.id) as string));
      const insertedById = new Map(inserted.map((r) => [r.id, r]));
      const collided = rows.filter((r) => !insertedById.has(r.id)).map((r) => r.ins);
      const existingByIns = new Map((await findRecordsByIns(manager, [...new Set(collided)])).map((r) => [r.ins, r]));

      const outcomes = rows.map((row, i): OpeningOutcome => {
        const mine = insertedById.get(row.id);
        if (mine) return { kind: 'opened', record: mine };
        return collisionOutcome(row.ins, existingByIns.get(row.ins), commands[i].opener);
      });

      return outcomes;
    };
    // The insert statement is its own transaction (records and outbox rows in one statement).
    return open(this.dataSource.manager);
  }
}
