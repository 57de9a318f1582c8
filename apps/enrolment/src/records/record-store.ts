import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Actor } from '@dmp/auth';
import { EventEnvelope } from '@dmp/contracts';
import { OutboxService } from '@dmp/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { mayActOnRecord } from './record-access.policy';
import { RecordEntity } from './record.entity';
import { RecordErrorCode, RecordException } from './record.exception';

/** What to change (null: nothing to do, answer with the record as it is) and the events it makes. */
export interface Change {
  changes: Partial<RecordEntity> | null;
  events?: (updated: RecordEntity) => EventEnvelope[];
}

/**
 * The read-modify-write every lifecycle use case shares: lock the row (SELECT ... FOR UPDATE, so
 * two changes of one record serialise and their events reach the outbox in commit order), check
 * the caller may act on it, apply, append the events, commit.
 */
@Injectable()
export class RecordStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
  ) {}

  async find(ins: string): Promise<RecordEntity | null> {
    return this.dataSource.getRepository(RecordEntity).findOne({ where: { ins } });
  }

  /** The record the actor may see, or 404 (also when they may not: no existence oracle for patients). */
  async findFor(actor: Actor, ins: string): Promise<RecordEntity> {
    const record = await this.find(ins);
    if (!record || !mayActOnRecord(actor, record)) throw notFound(ins);
    return record;
  }

  async change(actor: Actor, ins: string, apply: (record: RecordEntity, manager: EntityManager) => Change | Promise<Change>): Promise<RecordEntity> {
    return this.dataSource.transaction(async (manager) => {
      const record = await manager.getRepository(RecordEntity).findOne({ where: { ins }, lock: { mode: 'pessimistic_write' } });
      if (!record || !mayActOnRecord(actor, record)) throw notFound(ins);
      const change = await apply(record, manager);
      if (change.changes === null) return record;
      const changes = { ...change.changes, updatedAt: new Date() };
      Object.assign(record, changes);
      await manager.update(RecordEntity, { id: record.id }, changes);
      await this.outbox.append(manager, change.events ? change.events(record) : []);
      return record;
    });
  }
}

export const notFound = (ins: string): RecordException =>
  new RecordException(RecordErrorCode.RECORD_NOT_FOUND, `no record for INS ${ins} that you may act on`);

export function assertOpen(record: RecordEntity): void {
  if (record.status === 'closed') {
    throw new RecordException(
      RecordErrorCode.RECORD_CLOSED,
      `the record was closed on ${record.closureDate} (${record.closureReason}); reactivate it first`,
      [],
      { closedAt: record.closedAt?.toISOString(), closureReason: record.closureReason, closureDate: record.closureDate },
    );
  }
}
