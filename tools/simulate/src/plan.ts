import { createHash } from 'node:crypto';
import type { Actor } from '@dmp/auth';
import {
  ActorRole,
  DocumentFormat,
  DocumentType,
  EstablishmentCategory,
  EstablishmentKind,
  OpeningChannel,
  Profession,
  type RandomSource,
  SourceCategory,
  establishmentKindOf,
  generateFiness,
  generateIns,
  generateRpps,
  randomInt,
  seededRandom,
} from '@dmp/domain';
import type {
  DocumentIntent,
  OpeningIntent,
  SimCpamOffice,
  SimEstablishment,
  SimPharmacy,
  SimPopulation,
  SimProfessional,
} from './types';
import { groupBy } from './group-by';

/**
 * The deterministic part of a simulation: from a seed and a scale, the population and every
 * action to make, in order. Nothing here talks to the suite; `runSimulation` executes the plan
 * and records the answers. Mixes are drawn by quota (largest remainder), not by independent
 * draws, so a scale-1 run already shows the seeds' shares to the percent.
 */

/** The nine pilot CPAM of seed 002 (CNAM deck, September 2018), as apps/analytics ships them. */
export const PILOT_CPAM_OFFICES: readonly SimCpamOffice[] = [
  { code: '941', name: 'Créteil (Val-de-Marne)', coveredPopulation: 835_611 },
  { code: '311', name: 'Toulouse (Haute-Garonne)', coveredPopulation: 1_003_900 },
  { code: '671', name: 'Bas-Rhin', coveredPopulation: 922_408 },
  { code: '801', name: 'Amiens (Somme)', coveredPopulation: 512_096 },
  { code: '371', name: 'Tours (Indre-et-Loire)', coveredPopulation: 453_913 },
  { code: '631', name: 'Clermont-Ferrand (Puy-de-Dôme)', coveredPopulation: 484_009 },
  { code: '221', name: "Saint-Brieuc (Côtes-d'Armor)", coveredPopulation: 419_375 },
  { code: '251', name: 'Doubs', coveredPopulation: 395_249 },
  { code: '642', name: 'Bayonne', coveredPopulation: 265_124 },
];

/** Seed 000: DMPs created by channel at the end of 2019 (professionals and establishments share their 13%). */
export const OPENING_CHANNEL_MIX: Readonly<Record<OpeningChannel, number>> = {
  [OpeningChannel.CPAM_COUNTER]: 0.38,
  [OpeningChannel.PHARMACY]: 0.28,
  [OpeningChannel.PATIENT_ONLINE]: 0.21,
  [OpeningChannel.PROFESSIONAL]: 0.07,
  [OpeningChannel.ESTABLISHMENT]: 0.06,
};

/** Seed 000: documents added in year one by source; establishments split health / medico-social by volume. */
export const DOCUMENT_SOURCE_MIX: Readonly<Record<SourceCategory, number>> = {
  [SourceCategory.PATIENT]: 0.478,
  [SourceCategory.ESTABLISHMENT_HEALTH]: 0.3,
  [SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL]: 0.065,
  [SourceCategory.LIBERAL_PROFESSIONAL]: 0.115,
  [SourceCategory.OTHER]: 0.043,
};

/** Per scale unit. Scale 1 is a few hundred openings and about a thousand documents. */
export const PER_SCALE = {
  adults: 440,
  documents: 1000,
  pharmacies: 20,
  professionals: 80,
  /** CHU, hospitals, clinics, EHPAD, other medico-social (seed 000: 21 CHU of 425 health, 606 EHPAD of 617 medico-social). */
  establishments: {
    chu: 1,
    hospital: 5,
    clinic: 4,
    ehpad: 14,
    'other-medico-social': 1,
    // The "other structures" of seed 000's documents by source (4.3%): health centres, laboratories.
    'health-centre': 2,
    laboratory: 1,
  } as Record<EstablishmentCategory, number>,
  consultationSessions: 200,
} as const;

/** Documents each category produces relative to an EHPAD. */
const DOCUMENT_WEIGHT: Readonly<Record<EstablishmentCategory, number>> = {
  [EstablishmentCategory.CHU]: 12,
  [EstablishmentCategory.HOSPITAL]: 5,
  [EstablishmentCategory.CLINIC]: 3,
  [EstablishmentCategory.EHPAD]: 1,
  [EstablishmentCategory.OTHER_MEDICO_SOCIAL]: 1,
  [EstablishmentCategory.HEALTH_CENTRE]: 1,
  [EstablishmentCategory.LABORATORY]: 2,
};

const HEALTH_TYPES: readonly DocumentType[] = [
  DocumentType.DISCHARGE_SUMMARY,
  DocumentType.DISCHARGE_SUMMARY,
  DocumentType.HOSPITAL_REPORT,
  DocumentType.LABORATORY_REPORT,
  DocumentType.LABORATORY_REPORT,
  DocumentType.IMAGING_REPORT,
  DocumentType.OPERATIVE_REPORT,
  DocumentType.ANAESTHESIA_REPORT,
  DocumentType.CONSULT_NOTE,
  DocumentType.TELEMEDICINE_REPORT,
];
const MEDICO_SOCIAL_TYPES: readonly DocumentType[] = [
  DocumentType.EMERGENCY_LIAISON_FILE,
  DocumentType.EMERGENCY_LIAISON_FILE,
  DocumentType.TELEMEDICINE_REPORT,
  DocumentType.CONSULT_NOTE,
];
const LIBERAL_TYPES: readonly DocumentType[] = [
  DocumentType.CONSULT_NOTE,
  DocumentType.LABORATORY_REPORT,
  DocumentType.IMAGING_REPORT,
  DocumentType.ADVANCE_DIRECTIVES,
];
const PATIENT_TYPES: readonly DocumentType[] = [
  DocumentType.PATIENT_ADDED,
  DocumentType.PATIENT_ADDED,
  DocumentType.ADVANCE_DIRECTIVES,
  DocumentType.LABORATORY_REPORT,
];

const PROFESSION_MIX: Readonly<Record<Profession, number>> = {
  [Profession.PHYSICIAN]: 0.5,
  [Profession.NURSE]: 0.2,
  [Profession.PHARMACIST]: 0.1,
  [Profession.PHYSIOTHERAPIST]: 0.07,
  [Profession.MIDWIFE]: 0.05,
  [Profession.DENTIST]: 0.05,
  [Profession.PODIATRIST]: 0.03,
};

const FAMILY_NAMES = [
  'MARTIN',
  'BERNARD',
  'THOMAS',
  'PETIT',
  'ROBERT',
  'RICHARD',
  'DURAND',
  'DUBOIS',
  'MOREAU',
  'LAURENT',
  'SIMON',
  'MICHEL',
  'LEFEBVRE',
  'LEROY',
  'ROUX',
  'DAVID',
  'BERTRAND',
  'MOREL',
  'FOURNIER',
  'GIRARD',
  'ETCHEVERRY',
  'LE GALL',
  'MULLER',
  'SCHMITT',
];
const GIVEN_NAMES: Readonly<Record<1 | 2, readonly string[]>> = {
  1: [
    'Jean',
    'Pierre',
    'Michel',
    'André',
    'Louis',
    'Lucas',
    'Hugo',
    'Léo',
    'Gabriel',
    'Arthur',
    'Jules',
    'Paul',
  ],
  2: [
    'Marie',
    'Jeanne',
    'Françoise',
    'Monique',
    'Catherine',
    'Nathalie',
    'Emma',
    'Jade',
    'Louise',
    'Alice',
    'Chloé',
    'Léa',
  ],
};

export interface PlannedPatient {
  ins: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  cpamCode: string;
  email?: string;
  mobile?: string;
  emergencyAccess: boolean;
  samuAccess: boolean;
  /** For a dependant: their legal representative (an adult of the population). */
  representativeIns?: string;
}

export interface PlannedOpening {
  seq: number;
  patient: PlannedPatient;
  intent: OpeningIntent;
  channel: OpeningChannel;
  actor: Actor;
  /** The POST /records body. */
  body: Record<string, unknown>;
}

export interface PlannedDocument {
  seq: number;
  documentId: string;
  ins: string;
  intent: DocumentIntent;
  sourceCategory: SourceCategory;
  establishment?: SimEstablishment;
  author: { rpps: string; profession: Profession };
  type: DocumentType;
  format: DocumentFormat;
  title: string;
  authoredAt: string;
  body: Buffer;
  /** The declared hash: the body's, except for a deliberately invalid document. */
  sha256: string;
  maskedFromProfessionals: boolean;
  invisibleToPatientUntilExplained: boolean;
}

export interface PlannedAuthorisation {
  seq: number;
  ins: string;
  /** The patient themselves, or for a dependant their legal representative. */
  by: Actor;
  grantee: { kind: 'professional'; rpps: string } | { kind: 'establishment'; finess: string };
}

/** A professional's visit to a patient's record: the list, one document, the reimbursement history. */
export interface PlannedConsultation {
  seq: number;
  ins: string;
  professional: SimProfessional;
  mode: 'normal' | 'emergency';
  emergencyReason?: string;
  /** Why this visit was planned (the expected answer, for the report; the ledger records the real one). */
  kind: 'authorised' | 'authorised-again' | 'emergency' | 'not-authorised';
}

export interface SimulationPlan {
  seed: number;
  scale: number;
  now: Date;
  population: SimPopulation;
  patients: PlannedPatient[];
  openings: PlannedOpening[];
  authorisations: PlannedAuthorisation[];
  documents: PlannedDocument[];
  consultations: PlannedConsultation[];
}

// ---- helpers --------------------------------------------------------------------------------

/** Counts per key proportional to `weights`, summing exactly to `total` (largest remainder). */
export function quotas<K extends string>(
  weights: Readonly<Record<K, number>>,
  total: number,
): Record<K, number> {
  const keys = Object.keys(weights) as K[];
  const sum = keys.reduce((a, k) => a + weights[k], 0);
  const raw = keys.map((k) => ({ k, exact: (weights[k] / sum) * total }));
  const out = {} as Record<K, number>;
  let given = 0;
  for (const r of raw) {
    out[r.k] = Math.floor(r.exact);
    given += out[r.k];
  }
  raw.sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)));
  for (let i = 0; given < total; i++, given++) out[raw[i % raw.length].k]++;
  return out;
}

/** A list holding each key as many times as its quota, shuffled. */
function quotaList<K extends string>(
  random: RandomSource,
  weights: Readonly<Record<K, number>>,
  total: number,
): K[] {
  const counts = quotas(weights, total);
  const list: K[] = [];
  for (const k of Object.keys(counts) as K[]) for (let i = 0; i < counts[k]; i++) list.push(k);
  return shuffle(random, list);
}

export function shuffle<T>(random: RandomSource, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function pick<T>(random: RandomSource, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(random() * items.length)];
}

function weightedPick<T>(
  random: RandomSource,
  items: readonly T[],
  weight: (item: T) => number,
): T {
  const total = items.reduce((a, i) => a + weight(i), 0);
  let roll = random() * total;
  for (const item of items) {
    roll -= weight(item);
    if (roll < 0) return item;
  }
  return items[items.length - 1];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** The INS key the NIR does not have (a deliberate defect the suite must refuse). */
function withWrongKey(ins: string): string {
  const key = Number(ins.slice(13));
  return ins.slice(0, 13) + pad(key === 1 ? 2 : 1, 2);
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function scaled(perScale: number, scale: number, min: number): number {
  return Math.max(min, Math.round(perScale * scale));
}

function isoDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

// ---- population -----------------------------------------------------------------------------

function buildPopulation(
  random: RandomSource,
  scale: number,
): {
  pharmacies: SimPharmacy[];
  establishments: SimEstablishment[];
  professionals: SimProfessional[];
} {
  const offices = PILOT_CPAM_OFFICES;
  const officeOf = (): SimCpamOffice => weightedPick(random, offices, (o) => o.coveredPopulation);
  const department = (cpam: string): string => cpam.slice(0, 2);
  const pharmacies: SimPharmacy[] = [];
  // Every office has at least one pharmacy and one of each kind of establishment it may need.
  const pharmacyCount = scaled(PER_SCALE.pharmacies, scale, offices.length);
  for (let i = 0; i < pharmacyCount; i++) {
    const office = i < offices.length ? offices[i] : officeOf();
    pharmacies.push({
      finess: generateFiness(random, department(office.code)),
      cpamCode: office.code,
    });
  }
  const establishments: SimEstablishment[] = [];
  let n = 0;
  for (const category of Object.values(EstablishmentCategory)) {
    const count = scaled(PER_SCALE.establishments[category], scale, 1);
    for (let i = 0; i < count; i++) {
      const office = officeOf();
      n++;
      establishments.push({
        finess: generateFiness(random, department(office.code)),
        kind: establishmentKindOf[category],
        category,
        name: `${category.toUpperCase()} ${office.name.split(' ')[0]} ${n}`,
        cpamCode: office.code,
        way: 'kafka',
      });
    }
  }
  const professionals: SimProfessional[] = [];
  const professionList = quotaList(
    random,
    PROFESSION_MIX,
    scaled(PER_SCALE.professionals, scale, 14),
  );
  for (const profession of professionList) {
    const liberal = random() < 0.6;
    const office = officeOf();
    const employer = liberal ? undefined : pick(random, establishments);
    professionals.push({
      rpps: generateRpps(random),
      profession,
      liberal,
      ...(employer ? { establishmentFiness: employer.finess } : {}),
      cpamCode: employer?.cpamCode ?? office.code,
    });
  }
  return { pharmacies, establishments, professionals };
}

function buildPatient(
  random: RandomSource,
  cpamCode: string,
  birthYear: number,
  now: Date,
  representativeIns?: string,
): PlannedPatient {
  const sex = random() < 0.5 ? 1 : 2;
  const month = randomInt(random, 1, 12);
  const day = randomInt(random, 1, 28);
  const ins = generateIns(random, { sex, birthYear: birthYear % 100, birthMonth: month });
  const familyName = pick(random, FAMILY_NAMES);
  const givenNames = pick(random, GIVEN_NAMES[sex]);
  let birthDate = isoDate(birthYear, month, day);
  const today = now.toISOString().slice(0, 10);
  if (birthDate > today) birthDate = isoDate(birthYear - 1, month, day);
  const contact = random();
  const slug = `${givenNames}.${familyName}`
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z.]/g, '');
  const email = contact < 0.8 ? `${slug}.${ins.slice(-4)}@example.fr` : undefined;
  const mobile =
    contact > 0.5 || email === undefined
      ? `+336${pad(randomInt(random, 0, 99_999_999), 8)}`
      : undefined;
  return {
    ins,
    familyName,
    givenNames,
    birthDate,
    cpamCode,
    ...(email ? { email } : {}),
    ...(mobile ? { mobile } : {}),
    emergencyAccess: random() >= 0.05,
    samuAccess: random() >= 0.05,
    ...(representativeIns ? { representativeIns } : {}),
  };
}

function openingBody(
  patient: PlannedPatient,
  consentAt: string,
  ins = patient.ins,
): Record<string, unknown> {
  return {
    ins,
    familyName: patient.familyName,
    givenNames: patient.givenNames,
    birthDate: patient.birthDate,
    cpamCode: patient.cpamCode,
    ...(patient.email ? { email: patient.email } : {}),
    ...(patient.mobile ? { mobile: patient.mobile } : {}),
    emergencyAccess: patient.emergencyAccess,
    samuAccess: patient.samuAccess,
    consent: { at: consentAt },
    ...(patient.representativeIns
      ? { legalRepresentatives: [{ ins: patient.representativeIns, relationship: 'parent' }] }
      : {}),
  };
}

interface Actors {
  pharmacies: SimPharmacy[];
  establishments: SimEstablishment[];
  professionals: SimProfessional[];
  byCpam: {
    pharmacies: Map<string, SimPharmacy[]>;
    establishments: Map<string, SimEstablishment[]>;
    professionals: Map<string, SimProfessional[]>;
  };
}

function channelActor(
  random: RandomSource,
  channel: OpeningChannel,
  patient: PlannedPatient,
  population: Actors,
): Actor {
  const local = <T>(items: T[], byCpam: Map<string, T[]>): T => {
    const here = byCpam.get(patient.cpamCode) ?? [];
    return pick(random, here.length > 0 ? here : items);
  };
  switch (channel) {
    case OpeningChannel.CPAM_COUNTER:
      return {
        role: ActorRole.CPAM_AGENT,
        agentId: `agent-${patient.cpamCode}-${randomInt(random, 1, 12)}`,
        cpamCode: patient.cpamCode,
      } as Actor;
    case OpeningChannel.PHARMACY:
      return {
        role: ActorRole.PHARMACY,
        finess: local(population.pharmacies, population.byCpam.pharmacies).finess,
      } as Actor;
    case OpeningChannel.PATIENT_ONLINE:
      return patient.representativeIns
        ? ({
            role: ActorRole.LEGAL_REPRESENTATIVE,
            ins: patient.representativeIns,
            represents: [patient.ins],
          } as Actor)
        : ({ role: ActorRole.PATIENT, ins: patient.ins } as Actor);
    case OpeningChannel.PROFESSIONAL: {
      const pro = local(population.professionals, population.byCpam.professionals);
      return { role: ActorRole.PROFESSIONAL, rpps: pro.rpps, profession: pro.profession } as Actor;
    }
    case OpeningChannel.ESTABLISHMENT: {
      // Health and medico-social establishments open records; health centres and laboratories feed.
      const e = local(
        population.establishments.filter((x) => x.kind !== EstablishmentKind.OTHER),
        new Map(
          [...population.byCpam.establishments].map(([cpam, list]) => [
            cpam,
            list.filter((x) => x.kind !== EstablishmentKind.OTHER),
          ]),
        ),
      );
      return {
        role: ActorRole.ESTABLISHMENT,
        finess: e.finess,
        kind: e.kind,
        category: e.category,
      } as Actor;
    }
  }
}

// ---- documents ------------------------------------------------------------------------------

function documentBody(
  random: RandomSource,
  format: DocumentFormat,
  title: string,
  documentId: string,
  ins: string,
): Buffer {
  const words = [
    'RAS',
    'bilan',
    'normal',
    'suivi',
    'traitement',
    'poursuivi',
    'contrôle',
    'à',
    'trois',
    'mois',
    'patient',
    'stable',
    'examen',
    'clinique',
    'sans',
    'particularité',
  ];
  const length = randomInt(random, 40, 250);
  const text: string[] = [];
  for (let i = 0; i < length; i++) text.push(pick(random, words));
  const prose = `${title}\nDocument ${documentId} - patient ${ins}\n${text.join(' ')}.\n`;
  switch (format) {
    case DocumentFormat.PDF:
      return Buffer.from(
        `%PDF-1.4\n% simulated\n1 0 obj << /Title (${title.replace(/[()\\]/g, '')}) >> endobj\nstream\n${prose}endstream\n%%EOF\n`,
        'latin1',
      );
    case DocumentFormat.CDA_R2:
      return Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="${documentId}"/><title>${title.replace(/[<&>]/g, ' ')}</title>` +
          `<component><nonXMLBody><text>${prose.replace(/[<&>]/g, ' ')}</text></nonXMLBody></component></ClinicalDocument>\n`,
        'utf8',
      );
    case DocumentFormat.TEXT:
      return Buffer.from(prose, 'utf8');
  }
}

function typesOf(source: SourceCategory): readonly DocumentType[] {
  switch (source) {
    case SourceCategory.ESTABLISHMENT_HEALTH:
      return HEALTH_TYPES;
    case SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL:
      return MEDICO_SOCIAL_TYPES;
    case SourceCategory.LIBERAL_PROFESSIONAL:
    case SourceCategory.OTHER:
      return LIBERAL_TYPES;
    case SourceCategory.PATIENT:
      return PATIENT_TYPES;
  }
}

// ---- the plan -------------------------------------------------------------------------------

export interface PlanOptions {
  seed: number;
  scale: number;
  now?: Date;
  /** Share of establishments submitting over HTTP (default 0.2). */
  httpEstablishmentShare?: number;
}

export function planSimulation(options: PlanOptions): SimulationPlan {
  if (!Number.isFinite(options.scale) || options.scale <= 0)
    throw new RangeError(`scale must be a positive number, got ${options.scale}`);
  const seed = options.seed >>> 0;
  const scale = options.scale;
  const now = options.now ?? new Date();
  const random = seededRandom(seed);
  const { pharmacies, establishments, professionals } = buildPopulation(random, scale);
  const httpShare = options.httpEstablishmentShare ?? 0.2;
  // At least one establishment of each way when there are two or more.
  const httpCount =
    establishments.length > 1 ? Math.max(1, Math.round(establishments.length * httpShare)) : 0;
  for (const e of shuffle(random, [...establishments]).slice(0, httpCount)) e.way = 'http';

  // Patients: adults, then about one dependant for eight adults (a parent opening their child's record).
  const year = now.getUTCFullYear();
  const adultCount = scaled(PER_SCALE.adults, scale, 5);
  const adults: PlannedPatient[] = [];
  for (let i = 0; i < adultCount; i++) {
    const cpam = weightedPick(random, PILOT_CPAM_OFFICES, (o) => o.coveredPopulation).code;
    // Born at least 19 years ago: of age on any day of this year.
    adults.push(buildPatient(random, cpam, randomInt(random, year - 95, year - 19), now));
  }
  const dependants: PlannedPatient[] = [];
  for (const parent of adults) {
    const parentYear = Number(parent.birthDate.slice(0, 4));
    if (parentYear > year - 22 || parentYear < year - 60 || random() >= 0.14) continue;
    const children = random() < 0.3 ? 2 : 1;
    for (let c = 0; c < children; c++)
      dependants.push(
        buildPatient(
          random,
          parent.cpamCode,
          randomInt(random, year - 16, year - 1),
          now,
          parent.ins,
        ),
      );
  }
  const patients = [...adults, ...dependants];
  const population: SimPopulation = {
    cpamOffices: PILOT_CPAM_OFFICES.map((o) => ({ ...o })),
    pharmacies,
    establishments,
    professionals,
    patients: adults.length,
    dependants: dependants.length,
  };
  const byCpam = (items: Array<{ cpamCode: string }>) => groupBy(items, (i) => i.cpamCode);
  const actors: Actors = {
    pharmacies,
    establishments,
    professionals,
    byCpam: {
      pharmacies: byCpam(pharmacies) as Map<string, SimPharmacy[]>,
      establishments: byCpam(establishments) as Map<string, SimEstablishment[]>,
      professionals: byCpam(professionals) as Map<string, SimProfessional[]>,
    },
  };
  const staffOf = groupBy(professionals, (p) => p.establishmentFiness);

  // Openings: every patient once, channels by quota, then a few deliberate repeats and defects.
  const consentAt = new Date(now.getTime() - 60_000).toISOString();
  const channels = quotaList(random, OPENING_CHANNEL_MIX, patients.length);
  const order = shuffle(
    random,
    patients.map((_, i) => i),
  );
  const openings: PlannedOpening[] = [];
  const firstChannel = new Map<string, PlannedOpening>();
  for (let i = 0; i < order.length; i++) {
    const patient = patients[order[i]];
    const channel = channels[i];
    const opening: PlannedOpening = {
      seq: openings.length,
      patient,
      intent: 'first',
      channel,
      actor: channelActor(random, channel, patient, actors),
      body: openingBody(patient, consentAt),
    };
    openings.push(opening);
    firstChannel.set(patient.ins, opening);
  }
  const firstOpening = (ins: string): PlannedOpening => {
    const found = firstChannel.get(ins);
    if (!found) throw new Error(`no first opening planned for ${ins}`);
    return found;
  };
  const extras = Math.max(1, Math.round(patients.length * 0.02));
  for (let i = 0; i < extras; i++) {
    const first = firstOpening(pick(random, patients).ins);
    openings.push({ ...first, seq: openings.length, intent: 'retry-same' });
    const other = firstOpening(pick(random, patients).ins);
    const otherChannel =
      other.channel === OpeningChannel.CPAM_COUNTER
        ? OpeningChannel.PHARMACY
        : OpeningChannel.CPAM_COUNTER;
    openings.push({
      ...other,
      seq: openings.length,
      intent: 'other-channel',
      channel: otherChannel,
      actor: channelActor(random, otherChannel, other.patient, actors),
    });
  }
  for (let i = 0; i < Math.max(1, Math.round(patients.length * 0.01)); i++) {
    const cpam = weightedPick(random, PILOT_CPAM_OFFICES, (o) => o.coveredPopulation).code;
    const stranger = buildPatient(random, cpam, randomInt(random, year - 80, year - 20), now);
    const badIns = withWrongKey(stranger.ins);
    const patient = { ...stranger, ins: badIns };
    openings.push({
      seq: openings.length,
      patient,
      intent: 'invalid',
      channel: OpeningChannel.CPAM_COUNTER,
      actor: channelActor(random, OpeningChannel.CPAM_COUNTER, patient, actors),
      body: openingBody(patient, consentAt),
    });
  }

  // Authorisations: six patients in ten authorise one or two professionals of their office.
  const authorisations: PlannedAuthorisation[] = [];
  const authorisedPros = new Map<string, SimProfessional[]>();
  for (const patient of patients) {
    if (random() >= 0.6) continue;
    const here = actors.byCpam.professionals.get(patient.cpamCode) ?? [];
    const pool = here.length >= 2 ? here : professionals;
    const chosen = new Set<SimProfessional>();
    const count = random() < 0.5 ? 1 : 2;
    while (chosen.size < Math.min(count, pool.length)) chosen.add(pick(random, pool));
    const by = patient.representativeIns
      ? ({
          role: ActorRole.LEGAL_REPRESENTATIVE,
          ins: patient.representativeIns,
          represents: [patient.ins],
        } as Actor)
      : ({ role: ActorRole.PATIENT, ins: patient.ins } as Actor);
    for (const pro of chosen)
      authorisations.push({
        seq: authorisations.length,
        ins: patient.ins,
        by,
        grantee: { kind: 'professional', rpps: pro.rpps },
      });
    authorisedPros.set(patient.ins, [...chosen]);
  }

  // Documents: the source mix by quota; establishments weighted by their category's volume.
  const documentCount = scaled(PER_SCALE.documents, scale, 10);
  const sources = quotaList(random, DOCUMENT_SOURCE_MIX, documentCount);
  const health = establishments.filter((e) => e.kind === EstablishmentKind.HEALTH);
  const medicoSocial = establishments.filter((e) => e.kind === EstablishmentKind.MEDICO_SOCIAL);
  const otherStructures = establishments.filter((e) => e.kind === EstablishmentKind.OTHER);
  const elderly = patients.filter((p) => Number(p.birthDate.slice(0, 4)) <= year - 70);
  const liberal = professionals.filter((p) => p.liberal);
  const documents: PlannedDocument[] = [];
  const authoredBase = now.getTime() - 30 * 86_400_000;
  const planDocument = (source: SourceCategory, intent: DocumentIntent): PlannedDocument => {
    const establishment =
      source === SourceCategory.ESTABLISHMENT_HEALTH
        ? weightedPick(random, health, (e) => DOCUMENT_WEIGHT[e.category])
        : source === SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL
          ? weightedPick(random, medicoSocial, (e) => DOCUMENT_WEIGHT[e.category])
          : source === SourceCategory.OTHER
            ? weightedPick(random, otherStructures, (e) => DOCUMENT_WEIGHT[e.category])
            : undefined;
    const patient =
      establishment?.kind === EstablishmentKind.MEDICO_SOCIAL && elderly.length > 0
        ? pick(random, elderly)
        : pick(random, patients);
    const staff = establishment ? (staffOf.get(establishment.finess) ?? []) : [];
    // A liberal professional writes as themselves: only liberal ones (no establishment) may.
    const authorPool =
      staff.length > 0 && source !== SourceCategory.LIBERAL_PROFESSIONAL
        ? staff
        : liberal.length > 0
          ? liberal
          : professionals;
    const author = source === SourceCategory.PATIENT ? undefined : pick(random, authorPool);
    const type = pick(random, typesOf(source));
    const formatRoll = random();
    // Patients add PDFs and text (scans, notes); CDA R2 comes from professionals' software.
    const format =
      formatRoll < 0.5
        ? DocumentFormat.PDF
        : formatRoll < 0.8 && source !== SourceCategory.PATIENT
          ? DocumentFormat.CDA_R2
          : DocumentFormat.TEXT;
    const seq = documents.length;
    const documentId = `1.2.250.1.999.${seed}.${pad(seq, 7)}`;
    const title = `${type} ${establishment?.name ?? 'cabinet'}`.slice(0, 255);
    const body = documentBody(random, format, title, documentId, patient.ins);
    const sha = sha256Hex(body);
    const maskedRoll = random();
    return {
      seq,
      documentId,
      ins: patient.ins,
      intent,
      sourceCategory: source,
      ...(establishment ? { establishment } : {}),
      author: author
        ? { rpps: author.rpps, profession: author.profession }
        : { rpps: '', profession: Profession.PHYSICIAN },
      type,
      format,
      title,
      authoredAt: new Date(authoredBase + Math.floor(random() * 29 * 86_400_000)).toISOString(),
      body,
      // A wrong declared hash: the suite must reject this one document and file the others.
      sha256: intent === 'invalid' ? sha256Hex(Buffer.concat([body, Buffer.from('x')])) : sha,
      maskedFromProfessionals: maskedRoll < 0.03,
      // Only a professional may keep a document from the patient until it is explained.
      invisibleToPatientUntilExplained:
        source !== SourceCategory.PATIENT && maskedRoll >= 0.03 && maskedRoll < 0.05,
    };
  };
  for (const source of sources) documents.push(planDocument(source, 'normal'));
  const establishmentDocs = documents.filter((d) => d.establishment !== undefined);
  const defects = Math.max(1, Math.round(establishmentDocs.length * 0.01));
  for (let i = 0; i < defects && establishmentDocs.length > 0; i++) {
    documents.push({ ...pick(random, establishmentDocs), seq: documents.length, intent: 'resend' });
    const source =
      random() < 0.8 && health.length > 0
        ? SourceCategory.ESTABLISHMENT_HEALTH
        : SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL;
    documents.push(planDocument(source, 'invalid'));
  }

  // Consultations: mostly authorised professionals (some come back), some emergencies, some refusals.
  const consultations: PlannedConsultation[] = [];
  const sessionCount = scaled(PER_SCALE.consultationSessions, scale, 6);
  const withAuthorisations = patients.filter((p) => authorisedPros.has(p.ins));
  const physicians = professionals.filter((p) => p.profession === Profession.PHYSICIAN);
  for (let i = 0; i < sessionCount; i++) {
    const roll = random();
    if (roll < 0.7 && withAuthorisations.length > 0) {
      const patient = pick(random, withAuthorisations);
      const pro = pick(random, authorisedPros.get(patient.ins) ?? []);
      consultations.push({
        seq: consultations.length,
        ins: patient.ins,
        professional: pro,
        mode: 'normal',
        kind: 'authorised',
      });
      if (random() < 0.3)
        consultations.push({
          seq: consultations.length,
          ins: patient.ins,
          professional: pro,
          mode: 'normal',
          kind: 'authorised-again',
        });
    } else if (roll < 0.85) {
      const patient = pick(random, patients);
      consultations.push({
        seq: consultations.length,
        ins: patient.ins,
        professional: pick(random, physicians.length > 0 ? physicians : professionals),
        mode: 'emergency',
        emergencyReason: pick(random, [
          'patient unconscious on arrival',
          'acute respiratory distress',
          'road accident, patient unable to consent',
          'cardiac arrest',
        ]),
        kind: 'emergency',
      });
    } else {
      const patient = pick(random, patients);
      const allowed = new Set((authorisedPros.get(patient.ins) ?? []).map((p) => p.rpps));
      const strangers = professionals.filter((p) => !allowed.has(p.rpps));
      if (strangers.length > 0)
        consultations.push({
          seq: consultations.length,
          ins: patient.ins,
          professional: pick(random, strangers),
          mode: 'normal',
          kind: 'not-authorised',
        });
    }
  }

  return {
    seed,
    scale,
    now,
    population,
    patients,
    openings,
    authorisations,
    documents,
    consultations,
  };
}
