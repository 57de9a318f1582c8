import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One access attempt (granted or refused) reported by documents or reimbursements. Append-only:
 * a trigger refuses UPDATE; rows leave only through the retention purge, ten years after the
 * record closed. The access id (from the producer) is the key, so a redelivered event is a no-op.
 */
@Entity({ name: 'access_trace' })
// The patient's trace page: newest first, keyset pagination on (accessed_at, access_id).
@Index('access_trace_ins_accessed_at_idx', ['ins', 'accessedAt', 'accessId'])
export class AccessTraceEntity {
  @PrimaryColumn({ name: 'access_id', type: 'uuid', primaryKeyConstraintName: 'PK_access_trace' })
  accessId!: string;

  @Column({ type: 'varchar', length: 15 })
  ins!: string;

  @Column({ name: 'accessor_role', type: 'varchar', length: 32 })
  accessorRole!: string;

  /** RPPS, FINESS or INS depending on the role. */
  @Column({ name: 'accessor_id', type: 'varchar', length: 64 })
  accessorId!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  profession!: string | null;

  @Column({ type: 'varchar', length: 9, nullable: true })
  finess!: string | null;

  @Column({ type: 'varchar', length: 32 })
  mode!: string;

  @Column({ name: 'target_kind', type: 'varchar', length: 32 })
  targetKind!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 128 })
  targetId!: string;

  @Column({ name: 'document_type', type: 'varchar', length: 64, nullable: true })
  documentType!: string | null;

  @Column({ type: 'boolean' })
  granted!: boolean;

  @Column({ type: 'jsonb' })
  reasons!: string[];

  @Column({ name: 'rules_version', type: 'varchar', length: 64 })
  rulesVersion!: string;

  @Column({ name: 'emergency_reason', type: 'text', nullable: true })
  emergencyReason!: string | null;

  @Column({ name: 'accessed_at', type: 'timestamptz' })
  accessedAt!: Date;

  /** The service that served (or refused) the read. */
  @Column({ type: 'varchar', length: 100 })
  producer!: string;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
