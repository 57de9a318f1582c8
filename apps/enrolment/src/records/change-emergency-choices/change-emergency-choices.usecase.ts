import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { emergencyChoicesChanged } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordException } from '../record.exception';
import { RecordStore, assertOpen } from '../record-store';

export interface ChangeEmergencyChoicesCommand {
  actor: Actor;
  ins: string;
  emergencyAccess?: boolean;
  samuAccess?: boolean;
  correlationId: string;
}

@Injectable()
export class ChangeEmergencyChoicesUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: ChangeEmergencyChoicesCommand): Promise<RecordEntity> {
    if (command.emergencyAccess === undefined && command.samuAccess === undefined) {
      throw RecordException.validation([{ field: 'emergencyAccess', reason: 'give emergencyAccess, samuAccess or both' }]);
    }
    const now = new Date();
    return this.store.change(command.actor, command.ins, (record) => {
      assertOpen(record);
      const emergencyAccess = command.emergencyAccess ?? record.emergencyAccess;
      const samuAccess = command.samuAccess ?? record.samuAccess;
      if (emergencyAccess === record.emergencyAccess && samuAccess === record.samuAccess) return { changes: null };
      const by = { role: command.actor.role, id: actorId(command.actor) };
      return {
        changes: { emergencyAccess, samuAccess },
        events: (updated) => [emergencyChoicesChanged(updated, { by, at: now, correlationId: command.correlationId })],
      };
    });
  }
}
