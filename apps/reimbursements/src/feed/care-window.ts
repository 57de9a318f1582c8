/**
 * The 24-month window of reimbursement history. Whole months are kept: the current month and
 * the 24 before it, so the purge only ever drops whole monthly partitions (the month that falls
 * out is dropped on the first day of the next month).
 */
export const WINDOW_MONTHS = 24;

/** YYYYMM of a UTC date. */
export function yyyymmOf(date: Date): number {
  return date.getUTCFullYear() * 100 + date.getUTCMonth() + 1;
}

export function addMonthsToYyyymm(yyyymm: number, months: number): number {
  const index = Math.floor(yyyymm / 100) * 12 + (yyyymm % 100) - 1 + months;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}

export interface CareWindow {
  /** First month kept (YYYYMM). */
  startMonth: number;
  /** Current month (YYYYMM): the last month a line may belong to. */
  endMonth: number;
  /** Today as YYYYMMDD: care dates after it are rejected. */
  today: number;
}

export function careWindow(now: Date): CareWindow {
  const endMonth = yyyymmOf(now);
  return {
    startMonth: addMonthsToYyyymm(endMonth, -WINDOW_MONTHS),
    endMonth,
    today: endMonth * 100 + now.getUTCDate(),
  };
}

/** Every month of the window, oldest first. */
export function windowMonths(window: CareWindow): number[] {
  const months: number[] = [];
  for (let m = window.startMonth; m <= window.endMonth; m = addMonthsToYyyymm(m, 1)) months.push(m);
  return months;
}

export function monthStartIso(yyyymm: number): string {
  return `${Math.floor(yyyymm / 100)}-${String(yyyymm % 100).padStart(2, '0')}-01`;
}
