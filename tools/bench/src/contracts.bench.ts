// Benchmark of what every consumer and every authenticated request pays in @dmp/contracts and
// @dmp/auth: parsing and validating one event (parseEventSync: JSON, envelope, payload) for the
// heaviest and the most frequent events, against the baseline of the same work done the
// textbook way (class-transformer plainToInstance + class-validator validateSync) and against a
// bare JSON.parse, all measured in the same run; plus bearer-token verifications per second.
// Figures are per core: CPU time of this process, so a busy machine does not skew them.
// Run: npm run bench:contracts   (BENCH_ITERATIONS=5000 for a shorter run)
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { TokenVerifier, issueDevToken } from '@dmp/auth';
import { EventEnvelope, EventTopic, Topics, createEvent, eventDefinitions, parseEventSync, serializeEvent } from '@dmp/contracts';
import {
  AccessMode,
  AccessTargetKind,
  ActorRole,
  DocumentFormat,
  DocumentType,
  EstablishmentCategory,
  EstablishmentKind,
  LegalRepresentativeRelationship,
  OpeningChannel,
  Profession,
  SourceCategory,
  generateFiness,
  generateIns,
  generateRpps,
  seededRandom,
} from '@dmp/domain';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 10_000);
const random = seededRandom(2019);
const ins = generateIns(random);
const child = generateIns(random);
const rpps = generateRpps(random);
const finess = generateFiness(random);
const at = '2019-12-12T09:30:00.000Z';

const samples: Partial<Record<EventTopic, object>> = {
  [Topics.RECORD_OPENED]: {
    ins: child,
    channel: OpeningChannel.PHARMACY,
    cpamCode: '751',
    openingActor: { role: ActorRole.PHARMACY, id: finess },
    openedAt: at,
    consent: { by: { role: ActorRole.LEGAL_REPRESENTATIVE, id: ins }, where: 'pharmacy', at },
    emergency: { emergencyAccess: true, samuRegulationAccess: true },
    contacts: { email: 'parent@example.fr', mobile: '+33612345678' },
    isMinor: true,
    legalRepresentatives: [{ ins, relationship: LegalRepresentativeRelationship.PARENT }],
  },
  [Topics.DOCUMENT_ADDED]: {
    ins,
    documentId: 'doc-1',
    version: 1,
    type: DocumentType.DISCHARGE_SUMMARY,
    format: DocumentFormat.PDF,
    title: 'Lettre de liaison',
    sourceCategory: SourceCategory.ESTABLISHMENT_HEALTH,
    author: { rpps, profession: Profession.PHYSICIAN },
    establishment: { finess, kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.CHU },
    addedBy: { role: ActorRole.ESTABLISHMENT, id: finess },
    sha256: 'a'.repeat(64),
    sizeBytes: 204_800,
    visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false },
    authoredAt: at,
    addedAt: at,
  },
  [Topics.ACCESSED]: {
    accessId: '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1',
    ins,
    accessor: { role: ActorRole.PROFESSIONAL, id: rpps, profession: Profession.NURSE },
    mode: AccessMode.NORMAL,
    target: { kind: AccessTargetKind.DOCUMENT, id: 'doc-1', documentType: DocumentType.CONSULT_NOTE },
    granted: true,
    reasons: ['authorised by the patient'],
    rulesVersion: '1',
    at,
  },
  [Topics.HEARTBEAT]: { service: 'enrolment', instance: 'host-1', version: '0.1.0', startedAt: at, ready: true },
};

/** Operations per CPU-second of this process. */
function perCpuSecond(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return iterations / ((used.user + used.system) / 1e6);
}

function classValidatorWay(topic: EventTopic, raw: string): boolean {
  const json = JSON.parse(raw) as { payload: object };
  const envelope = plainToInstance(EventEnvelope, json);
  const payload = plainToInstance(eventDefinitions[topic].payloadClass as new () => object, json.payload);
  return validateSync(envelope, { forbidUnknownValues: false }).length === 0 && validateSync(payload, { forbidUnknownValues: false }).length === 0;
}

function main(): void {
  const results: Record<string, { parsePerS: number; classValidatorPerS: number; jsonParsePerS: number; ratioToClassValidator: number; bytes: number }> = {};
  console.log(`parse and validate, ${ITERATIONS} iterations each, per CPU-second of one core`);
  for (const [topic, payload] of Object.entries(samples) as [EventTopic, object][]) {
    const definition = eventDefinitions[topic] as typeof eventDefinitions[Topics.HEARTBEAT];
    const raw = serializeEvent(createEvent(definition, payload as never, { producer: 'bench', correlationId: 'bench', validate: true })).value;
    const check = parseEventSync(topic, raw);
    if (!check.ok || !classValidatorWay(topic, raw)) throw new Error(`sample for ${topic} is invalid: ${check.ok ? 'class-validator refused it' : check.reason}`);
    const parse = perCpuSecond(ITERATIONS, () => parseEventSync(topic, raw));
    const baseline = perCpuSecond(Math.max(1000, Math.round(ITERATIONS / 4)), () => classValidatorWay(topic, raw));
    const json = perCpuSecond(ITERATIONS, () => JSON.parse(raw));
    results[definition.type] = { parsePerS: Math.round(parse), classValidatorPerS: Math.round(baseline), jsonParsePerS: Math.round(json), ratioToClassValidator: Math.round((parse / baseline) * 10) / 10, bytes: raw.length };
    console.log(
      `  ${definition.type.padEnd(28)} ${Math.round(parse).toString().padStart(8)} /s   class-transformer+class-validator ${Math.round(baseline).toString().padStart(7)} /s (x${(parse / baseline).toFixed(1)})   JSON.parse alone ${Math.round(json)} /s   ${raw.length} B`,
    );
  }
  const secret = 'bench-secret-0123456789abcdef0123456789';
  const verifier = new TokenVerifier(secret);
  const token = issueDevToken({ role: ActorRole.PATIENT, ins } as never, secret);
  const verify = perCpuSecond(ITERATIONS * 2, () => verifier.verify(token));
  console.log(`token verification (HS256, claims and actor checked): ${Math.round(verify)} /s`);
  console.log(JSON.stringify({ bench: 'contracts', iterations: ITERATIONS, events: results, tokenVerificationsPerS: Math.round(verify) }));
}

main();
