import {
  Actor,
  CpamAgentActor,
  EstablishmentActor,
  InsurerPipelineActor,
  issueDevToken,
  LegalRepresentativeActor,
  OperatorActor,
  PatientActor,
  PharmacyActor,
  ProfessionalActor,
  Role,
} from '@dmp/auth';
import {
  CpamCode,
  EstablishmentCategory,
  establishmentKindOf,
  Finess,
  generateCpamCode,
  generateFiness,
  generateIns,
  generateRpps,
  Ins,
  Profession,
  RandomSource,
  seededRandom,
} from '@dmp/domain';
import { DEV_AUTH_TOKEN_SECRET } from '@dmp/platform';

// Builders draw identifiers from one seeded sequence per test file: different actors get
// different valid identifiers, and a failing test replays the same ones.
let random: RandomSource = seededRandom(Number(process.env['TEST_SEED'] ?? 20_251_123));

/** Restarts the identifier sequence (for a test that wants fixed identifiers). */
export function reseedBuilders(seed: number): void {
  random = seededRandom(seed);
}

/** A valid INS, a fresh one each call. */
export const anIns = (): Ins => generateIns(random);

abstract class ActorBuilder<A extends Actor> {
  protected abstract actor: A;

  build(): A {
    return structuredClone(this.actor);
  }

  /** A bearer token for this actor, signed with the development secret (or `secret`). */
  token(secret = DEV_AUTH_TOKEN_SECRET): string {
    return issueDevToken(this.build(), secret);
  }
}

class PatientBuilder extends ActorBuilder<PatientActor> {
  protected actor: PatientActor = { role: Role.PATIENT, ins: anIns() };
  withIns(ins: Ins): this {
    this.actor.ins = ins;
    return this;
  }
}

class LegalRepresentativeBuilder extends ActorBuilder<LegalRepresentativeActor> {
  protected actor: LegalRepresentativeActor = { role: Role.LEGAL_REPRESENTATIVE, ins: anIns(), represents: [anIns()] };
  withIns(ins: Ins): this {
    this.actor.ins = ins;
    return this;
  }
  representing(...dependants: Ins[]): this {
    this.actor.represents = dependants;
    return this;
  }
  withDependant(ins: Ins = anIns()): this {
    this.actor.represents.push(ins);
    return this;
  }
}

class ProfessionalBuilder extends ActorBuilder<ProfessionalActor> {
  protected actor: ProfessionalActor = { role: Role.PROFESSIONAL, rpps: generateRpps(random), profession: Profession.PHYSICIAN };
  withProfession(profession: Profession): this {
    this.actor.profession = profession;
    return this;
  }
  actingFor(finess: Finess = generateFiness(random)): this {
    this.actor.finess = finess;
    return this;
  }
}

class EstablishmentBuilder extends ActorBuilder<EstablishmentActor> {
  protected actor: EstablishmentActor = {
    role: Role.ESTABLISHMENT,
    finess: generateFiness(random),
    kind: establishmentKindOf[EstablishmentCategory.HOSPITAL],
    category: EstablishmentCategory.HOSPITAL,
  };
  withCategory(category: EstablishmentCategory): this {
    this.actor.category = category;
    this.actor.kind = establishmentKindOf[category];
    return this;
  }
  withFiness(finess: Finess): this {
    this.actor.finess = finess;
    return this;
  }
}

class PharmacyBuilder extends ActorBuilder<PharmacyActor> {
  protected actor: PharmacyActor = { role: Role.PHARMACY, finess: generateFiness(random) };
}

class CpamAgentBuilder extends ActorBuilder<CpamAgentActor> {
  protected actor: CpamAgentActor = {
    role: Role.CPAM_AGENT,
    agentId: `agent-${Math.floor(random() * 1e6)}`,
    cpamCode: generateCpamCode(random),
  };
  atCpam(cpamCode: CpamCode): this {
    this.actor.cpamCode = cpamCode;
    return this;
  }
}

class InsurerPipelineBuilder extends ActorBuilder<InsurerPipelineActor> {
  protected actor: InsurerPipelineActor = { role: Role.INSURER_PIPELINE, pipelineId: 'snds-feed' };
}

class OperatorBuilder extends ActorBuilder<OperatorActor> {
  protected actor: OperatorActor = { role: Role.OPERATOR, operatorId: `ops-${Math.floor(random() * 1e6)}` };
}

export const aPatient = (): PatientBuilder => new PatientBuilder();
export const aLegalRepresentative = (): LegalRepresentativeBuilder => new LegalRepresentativeBuilder();
export const aProfessional = (): ProfessionalBuilder => new ProfessionalBuilder();
export const anEstablishment = (): EstablishmentBuilder => new EstablishmentBuilder();
export const aPharmacy = (): PharmacyBuilder => new PharmacyBuilder();
export const aCpamAgent = (): CpamAgentBuilder => new CpamAgentBuilder();
export const anInsurerPipeline = (): InsurerPipelineBuilder => new InsurerPipelineBuilder();
export const anOperator = (): OperatorBuilder => new OperatorBuilder();

/** A bearer token for `actor` (a built actor or a builder), signed with the development secret. */
export function tokenFor(actor: Actor | { build(): Actor }, secret = DEV_AUTH_TOKEN_SECRET): string {
  return issueDevToken('build' in actor ? actor.build() : actor, secret);
}

/** `{ authorization: 'Bearer …' }` for fetch/supertest. */
export function authHeader(actor: Actor | { build(): Actor }, secret = DEV_AUTH_TOKEN_SECRET): { authorization: string } {
  return { authorization: `Bearer ${tokenFor(actor, secret)}` };
}
