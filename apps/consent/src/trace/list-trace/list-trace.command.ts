export interface ListTraceCommand {
  ins: string;
  limit: number;
  /** Opaque cursor from the previous page's nextCursor. */
  cursor?: string;
}
