import { messagingMigrations } from '@dmp/messaging';
import { CreateReimbursements1764100000000 } from './1764100000000-create-reimbursements';
import { LinesPatientKey1764200000000 } from './1764200000000-lines-patient-key';
import { QuarterlyPartitions1764300000000 } from './1764300000000-quarterly-partitions';

export const reimbursementsMigrations = [
  ...messagingMigrations,
  CreateReimbursements1764100000000,
  LinesPatientKey1764200000000,
  QuarterlyPartitions1764300000000,
];
