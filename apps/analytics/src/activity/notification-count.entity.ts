import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Notifications sent per Paris day, patient's CPAM, trigger and channel. */
@Entity({ name: 'notification_counts' })
export class NotificationCountEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_counts', type: 'date' })
  day!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_counts', name: 'cpam_code', type: 'varchar', length: 3 })
  cpamCode!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_counts', type: 'text' })
  trigger!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_counts', type: 'text' })
  channel!: string;

  /** Which of the COUNTER_SLOTS rows of the key a transaction increments; figures sum over slots. */
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_notification_counts', type: 'smallint' })
  slot!: number;

  @Column({ type: 'bigint', default: 0 })
  notifications!: string;
}
