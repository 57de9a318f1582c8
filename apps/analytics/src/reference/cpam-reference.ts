import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCpamCode } from '@dmp/domain';

export interface CpamOffice {
  code: string;
  name: string;
  coveredPopulation: number;
}

export class CpamReferenceError extends Error {}

const HEADER = 'cpam_code,name,covered_population';

/**
 * Parses the CPAM reference file: a header line, then `code,name,population` per office. Names
 * may not contain commas. Every bad line is reported with its number, and nothing is loaded.
 */
export function parseCpamReference(csv: string): CpamOffice[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines[0]?.trim() !== HEADER) throw new CpamReferenceError(`line 1: the header must be "${HEADER}"`);
  const problems: string[] = [];
  const offices: CpamOffice[] = [];
  const seen = new Set<string>();
  lines.slice(1).forEach((line, index) => {
    const number = index + 2;
    const fields = line.split(',');
    if (fields.length !== 3) return void problems.push(`line ${number}: expected 3 fields, found ${fields.length}`);
    const [code, name, population] = fields.map((field) => field.trim());
    const codeCheck = validateCpamCode(code);
    if (!codeCheck.ok) return void problems.push(`line ${number}: cpam_code ${codeCheck.reason}`);
    if (seen.has(code)) return void problems.push(`line ${number}: cpam_code ${code} appears twice`);
    if (!/^\d+$/.test(population) || Number(population) <= 0) return void problems.push(`line ${number}: covered_population must be a positive whole number`);
    seen.add(code);
    offices.push({ code, name, coveredPopulation: Number(population) });
  });
  if (problems.length > 0) throw new CpamReferenceError(problems.join('; '));
  return offices;
}

export function loadCpamReference(file?: string): CpamOffice[] {
  return parseCpamReference(readFileSync(file ?? join(__dirname, 'cpam-offices.csv'), 'utf8'));
}

export interface CoverageRow {
  cpamCode: string;
  name: string;
  coveredPopulation: number;
  openRecords: number;
  /** Percent of the covered population with an open DMP, to one decimal place. */
  coverageRate: number;
}

/** Coverage per office plus a TOTAL row, as the insurer's pilot table presents it (seed 002). */
export function coverageTable(offices: CpamOffice[], openByCpam: Map<string, number>): CoverageRow[] {
  const rows = offices.map((office) => row(office.code, office.name, office.coveredPopulation, openByCpam.get(office.code) ?? 0));
  const population = rows.reduce((sum, r) => sum + r.coveredPopulation, 0);
  const open = rows.reduce((sum, r) => sum + r.openRecords, 0);
  return [...rows, row('TOTAL', 'all offices listed', population, open)];
}

function row(cpamCode: string, name: string, coveredPopulation: number, openRecords: number): CoverageRow {
  const coverageRate = coveredPopulation === 0 ? 0 : Math.round((openRecords * 1000) / coveredPopulation) / 10;
  return { cpamCode, name, coveredPopulation, openRecords, coverageRate };
}
