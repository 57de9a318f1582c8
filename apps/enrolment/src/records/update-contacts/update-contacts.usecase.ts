import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { normaliseMobile } from '../dto/domain-validators';
import { contactChanged } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordException } from '../record.exception';
import { RecordStore, assertOpen } from '../record-store';

export interface UpdateContactsCommand {
  actor: Actor;
  ins: string;
  /** undefined: unchanged; null: removed. */
  email?: string | null;
  mobile?: string | null;
  correlationId: string;
}

@Injectable()
export class UpdateContactsUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: UpdateContactsCommand): Promise<RecordEntity> {
    const now = new Date();
    return this.store.change(command.actor, command.ins, (record) => {
      assertOpen(record);
      const email = command.email === undefined ? record.email : command.email?.trim() || null;
      const mobile = command.mobile === undefined ? record.mobile : command.mobile ? normaliseMobile(command.mobile) : null;
      if (!email && !mobile) throw RecordException.validation([{ field: 'email', reason: 'at least one contact (email or mobile) must remain' }]);
      if (email === record.email && mobile === record.mobile) return { changes: null };
      const by = { role: command.actor.role, id: actorId(command.actor) };
      return { changes: { email, mobile }, events: (updated) => [contactChanged(updated, { by, at: now, correlationId: command.correlationId })] };
    });
  }
}
