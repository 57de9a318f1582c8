import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Opener } from '../opener';
import { OpeningData } from '../opening-rules';
import { openingEvents } from '../record-events';
import { RecordEntity } from '../record.entity';
import { NewRecordRow, findRecordsByIns, insertNewRecords } from '../record-rows';
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

/** Runs inside the batch's transaction, after the openings: bulk jobs record results there. */
export type AfterBatch = (manager: EntityManager, outcomes: OpeningOutcome[]) => Promise<void>;

@Injectable()
export class OpenRecordUseCase {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute(command: OpenRecordCommand): Promise<OpeningOutcome> {
    const [outcome] = await this.openBatch([command.opening], command.opener, command.correlationId);
    return outcome;
  }

  /**
   * Opens many records: one statement inserts the rows (INSERT ... ON CONFLICT ("ins") DO NOTHING
   * RETURNING) and the outbox events of the rows actually inserted; one SELECT reads the rows that
   * collided. Concurrent duplicates are settled by the unique index:
   * the loser's insert waits for the winner's commit, returns nothing, and then reads the
   * winner's row, so it answers with the same record and writes no event.
   */
  async openBatch(openings: OpeningData[], opener: Opener, correlationId: string, afterBatch?: AfterBatch): Promise<OpeningOutcome[]> {
    const now = new Date();
    const rows: NewRecordRow[] = openings.map((o) => ({
      id: randomUUID(),
      ins: o.ins,
      familyName: o.familyName,
      givenNames: o.givenNames,
      birthDate: o.birthDate,
      cpamCode: o.cpamCode,
      email: o.email,
      mobile: o.mobile,
      emergencyAccess: o.emergencyAccess,
      samuAccess: o.samuAccess,
      legalRepresentatives: o.legalRepresentatives,
      openingChannel: opener.channel,
      openedAt: now,
      openedByRole: opener.role,
      openedById: opener.id,
      openingFiness: opener.finess,
      openingCpamCode: opener.cpamCode,
      consentGivenBy: o.consent.givenBy,
      consentAt: o.consent.at,
      consentPlace: o.consent.place ?? opener.defaultPlace,
      consentChannel: opener.channel,
    }));

    const open = async (manager: EntityManager): Promise<OpeningOutcome[]> => {
      const inserted = await insertNewRecords(manager, rows, (record) => openingEvents(record, correlationId));
      const insertedById = new Map(inserted.map((r) => [r.id, r]));
      const collided = rows.filter((r) => !insertedById.has(r.id)).map((r) => r.ins);
      const existingByIns = new Map((await findRecordsByIns(manager, [...new Set(collided)])).map((r) => [r.ins, r]));

      const outcomes = rows.map((row): OpeningOutcome => {
        const mine = insertedById.get(row.id);
        if (mine) return { kind: 'opened', record: mine };
        const existing = existingByIns.get(row.ins);
        // The row cannot vanish: records are never deleted, and the conflicting one is committed
        // (or ours, earlier in this batch).
        if (!existing) throw new Error(`record ${row.ins} collided but cannot be read`);
        const same = existing.openingChannel === opener.channel && existing.openedById === opener.id;
        return { kind: same ? 'already-opened' : 'conflict', record: existing };
      });

      if (afterBatch) await afterBatch(manager, outcomes);
      return outcomes;
    };
    // Without follow-up writes the statement is its own transaction; a bulk batch adds its
    // result lines and counters, so it needs one around them.
    return afterBatch ? this.dataSource.transaction(open) : open(this.dataSource.manager);
  }
}
