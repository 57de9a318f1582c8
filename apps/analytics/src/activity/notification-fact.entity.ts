import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One row per notification (its id is the natural key): a replay inserts nothing. */
@Entity({ name: 'notification_facts' })
// For the CPAM resolution when the record's opening arrives after the notification.
@Index('notification_facts_unresolved_ins_idx', ['ins'], { where: `"cpam_code" = ''` })
export class NotificationFactEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_facts', name: 'notification_id', type: 'uuid' })
  notificationId!: string;

  @Column({ type: 'char', length: 15 })
  ins!: string;

  @Column({ name: 'cpam_code', type: 'varchar', length: 3, default: '' })
  cpamCode!: string;

  @Column({ type: 'date' })
  day!: string;

  @Column({ type: 'text' })
  trigger!: string;

  @Column({ type: 'text' })
  channel!: string;
}
