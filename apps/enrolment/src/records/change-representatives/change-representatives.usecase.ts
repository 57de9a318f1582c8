import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { Ins, LegalRepresentativeRelationship, isMinorOn, toIsoDate } from '@dmp/domain';
import { LegalRepresentativeDto } from '../dto/open-record.dto';
import { dependantAttached, representativeChanged } from '../record-events';
import { RecordEntity, StoredRepresentative } from '../record.entity';
import { RecordException } from '../record.exception';
import { RecordStore, assertOpen } from '../record-store';

export interface ChangeRepresentativesCommand {
  actor: Actor;
  ins: string;
  legalRepresentatives: LegalRepresentativeDto[];
  correlationId: string;
}

/**
 * Replaces the list of legal representatives (a parent added, a guardian appointed...). A minor
 * keeps at least one. Emits representative-changed with the full new list (a state, so replays
 * converge) and dependant-attached for each newly added representative.
 */
@Injectable()
export class ChangeRepresentativesUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: ChangeRepresentativesCommand): Promise<RecordEntity> {
    const now = new Date();
    const list: StoredRepresentative[] = [];
    for (const r of command.legalRepresentatives) {
      const ins = r.ins.replace(/\s+/g, '').toUpperCase() as Ins;
      if (!list.some((x) => x.ins === ins)) list.push({ ins, relationship: r.relationship ?? LegalRepresentativeRelationship.PARENT });
    }
    return this.store.change(command.actor, command.ins, (record) => {
      assertOpen(record);
      if (list.some((r) => r.ins === record.ins)) {
        throw RecordException.validation([{ field: 'legalRepresentatives', reason: 'the patient cannot be their own legal representative' }]);
      }
      if (list.length === 0 && isMinorOn(record.birthDate, toIsoDate(now))) {
        throw RecordException.validation([{ field: 'legalRepresentatives', reason: 'a minor needs at least one legal representative' }]);
      }
      const same = list.length === record.legalRepresentatives.length && list.every((r) => record.legalRepresentatives.some((x) => x.ins === r.ins && x.relationship === r.relationship));
      if (same) return { changes: null };
      const added = list.filter((r) => !record.legalRepresentatives.some((x) => x.ins === r.ins));
      const by = { role: command.actor.role, id: actorId(command.actor) };
      const ctx = { by, at: now, correlationId: command.correlationId };
      return {
        changes: { legalRepresentatives: list },
        events: (updated) => [representativeChanged(updated, ctx), ...added.map((r) => dependantAttached(updated, r, ctx))],
      };
    });
  }
}
