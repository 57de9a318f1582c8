import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { IdentityTraits } from '@dmp/contracts';
import { IsoDate, toIsoDate } from '@dmp/domain';
import { identityChanged } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordException } from '../record.exception';
import { RecordStore } from '../record-store';

export interface UpdateIdentityCommand {
  actor: Actor;
  ins: string;
  familyName?: string;
  givenNames?: string;
  birthDate?: string;
  correlationId: string;
}

/** Corrects identity traits (never the INS: another INS is another person, another record). */
@Injectable()
export class UpdateIdentityUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: UpdateIdentityCommand): Promise<RecordEntity> {
    const now = new Date();
    if (command.familyName === undefined && command.givenNames === undefined && command.birthDate === undefined) {
      throw RecordException.validation([{ field: 'familyName', reason: 'give at least one of familyName, givenNames, birthDate' }]);
    }
    if (command.birthDate !== undefined && command.birthDate > toIsoDate(now)) {
      throw RecordException.validation([{ field: 'birthDate', reason: `birth date ${command.birthDate} is in the future` }]);
    }
    return this.store.change(command.actor, command.ins, (record) => {
      const changes: Partial<RecordEntity> = {};
      const traits = new IdentityTraits();
      const familyName = command.familyName?.trim();
      const givenNames = command.givenNames?.trim();
      if (familyName !== undefined && familyName !== record.familyName) changes.familyName = traits.familyName = familyName;
      if (givenNames !== undefined && givenNames !== record.givenNames) changes.givenNames = traits.givenNames = givenNames;
      if (command.birthDate !== undefined && command.birthDate !== record.birthDate) {
        changes.birthDate = command.birthDate;
        traits.birthDate = command.birthDate as IsoDate;
      }
      if (Object.keys(changes).length === 0) return { changes: null };
      const by = { role: command.actor.role, id: actorId(command.actor) };
      return { changes, events: (updated) => [identityChanged(updated, traits, { by, at: now, correlationId: command.correlationId })] };
    });
  }
}
