import { Brand } from '../identifiers/brand';
import { Validation, describeValue, invalid, valid } from '../validation';

/** A calendar date, 'YYYY-MM-DD' (birth dates, care dates, closure dates). */
export type IsoDate = Brand<string, 'IsoDate'>;
/** An instant, ISO-8601 in UTC with milliseconds: '2019-12-12T09:30:00.000Z'. */
export type IsoDateTime = Brand<string, 'IsoDateTime'>;

const DATE_SHAPE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

export function validateIsoDate(raw: unknown): Validation<IsoDate> {
  if (typeof raw !== 'string') return invalid(`date must be a string YYYY-MM-DD, got ${describeValue(raw)}`);
  const match = DATE_SHAPE.exec(raw);
  if (!match) return invalid(`date must be written YYYY-MM-DD, got ${describeValue(raw)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return invalid(`date ${raw} does not exist in the calendar`);
  }
  return valid(raw as IsoDate);
}

export function isIsoDate(raw: unknown): raw is IsoDate {
  return validateIsoDate(raw).ok;
}

/** The UTC calendar date of an instant. */
export function toIsoDate(date: Date): IsoDate {
  return date.toISOString().slice(0, 10) as IsoDate;
}

export function toIsoDateTime(date: Date): IsoDateTime {
  return date.toISOString() as IsoDateTime;
}

export function nowIsoDateTime(): IsoDateTime {
  return new Date().toISOString() as IsoDateTime;
}

/** Midnight UTC of a calendar date. */
export function isoDateToDate(date: IsoDate | string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/**
 * Adds (or subtracts) whole months to a calendar date, clamping to the end of shorter months
 * (2020-03-31 minus one month is 2020-02-29): the 24-month reimbursement window uses it.
 */
export function addMonths(date: IsoDate | string, months: number): IsoDate {
  const d = isoDateToDate(date);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return toIsoDate(target);
}

/** Age in whole years on a given date (birthdays on 29 February count on 1 March in other years). */
export function ageInYears(birthDate: IsoDate | string, on: IsoDate | string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [oy, om, od] = on.split('-').map(Number);
  let age = oy - by;
  if (om < bm || (om === bm && od < bd)) age -= 1;
  return age;
}

export const AGE_OF_MAJORITY = 18;

export function isMinorOn(birthDate: IsoDate | string, on: IsoDate | string): boolean {
  return ageInYears(birthDate, on) < AGE_OF_MAJORITY;
}

/** The date a person born on birthDate comes of age. */
export function majorityDate(birthDate: IsoDate | string): IsoDate {
  return addMonths(birthDate, AGE_OF_MAJORITY * 12);
}
