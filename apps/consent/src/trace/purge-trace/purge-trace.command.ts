export interface PurgeTraceCommand {
  /** Purge the traces of records closed before this instant (now minus the retention). */
  closedBefore: Date;
}
