/** Rows of flat objects as CSV with a header line; values quoted only when they need it. */
export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\n') + '\n';
}
