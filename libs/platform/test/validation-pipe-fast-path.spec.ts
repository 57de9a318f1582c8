import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import * as classValidator from 'class-validator';
import { parse as parseQueryString } from 'node:querystring';
import { seededRandom } from '@dmp/domain';
import { compileDtoPlan, fastTransform } from '../src/http/dto-fast-path';
import { createValidationPipe } from '../src/http/validation';
// The real history query DTO (tests may reach an app by path; production code may not).
import { HistoryQueryDto } from '../../../apps/reimbursements/src/history/history-query.dto';

/** A custom rule that reads the object (as app decorators may): `to` after `from`. */
function IsAfterField(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'isAfterField',
    constraints: [other],
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const before = (args?.object as Record<string, unknown> | undefined)?.[other];
        return typeof value === 'string' && (typeof before !== 'string' || value > before);
      },
      defaultMessage: () => `$property must come after ${other}`,
    },
  });
}

class BaseBodyDto {
  @IsString()
  @Length(15, 15)
  ins!: string;
}

/** A flat JSON body with most rule kinds, an inherited property, a condition and a custom rule. */
class OpenBodyDto extends BaseBodyDto {
  @IsIn(['pharmacy', 'cpam-counter'])
  channel!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120)
  age?: number;

  @IsOptional()
  @IsBoolean()
  minor?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  tags?: string[];

  @ValidateIf((o: OpenBodyDto) => o.channel === 'pharmacy')
  @IsNotEmpty()
  @IsString()
  finess?: string;

  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsAfterField('from')
  to?: string;

  @IsOptional()
  @Type(() => String)
  @IsString()
  note?: string;

  @IsOptional()
  @Type(() => Boolean)
  @IsBoolean()
  urgent?: boolean;
}

class ChildDto {
  @IsString()
  code!: string;
}

class NestedDto {
  @ValidateNested()
  @Type(() => ChildDto)
  child!: ChildDto;
}

class TransformedDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  name!: string;
}

class InitialisedDto {
  @IsOptional()
  @IsInt()
  page = 1;
}

class MethodDto {
  @IsString()
  name!: string;

  label(): string {
    return this.name;
  }
}

class NoRulesDto {
  name?: string;
}

const query = (metatype: unknown): ArgumentMetadata => ({ type: 'query', metatype: metatype as never, data: undefined });
const body = (metatype: unknown): ArgumentMetadata => ({ type: 'body', metatype: metatype as never, data: undefined });

type Outcome = { ok: true; value: unknown } | { ok: false; status: number; response: unknown };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { ok: false, status: error.getStatus(), response: error.getResponse() };
  }
}

const full = createValidationPipe({ fastPath: false });
const fast = createValidationPipe();

/** Both pipes on their own copy of the same input (the full pipe strips keys in place). */
async function compare(make: () => unknown, metadata: ArgumentMetadata): Promise<{ expected: Outcome; actual: Outcome }> {
  const expected = await outcome(() => full.transform(make(), metadata));
  const actual = await outcome(() => fast.transform(make(), metadata));
  return { expected, actual };
}

function expectSame({ expected, actual }: { expected: Outcome; actual: Outcome }, input: string): void {
  // toStrictEqual also compares prototypes (the DTO class) and undefined-valued keys.
  try {
    expect(actual).toStrictEqual(expected);
  } catch (error) {
    throw new Error(`input ${input}: ${(error as Error).message}`);
  }
}

const queryValues = ['', '1', '2', '0', '-1', '1.5', '500', '501', '10000', '10001', ' 7', '7 ', '1e2', '0x10', 'abc', 'NaN', 'Infinity',
  '2025-01-01', '2025-1-1', '2025-01-01T00:00:00Z', 'ccam', 'CCAM', 'ngap', 'normal', 'emergency', 'x'.repeat(500), 'x'.repeat(501), 'é', '\u{1F600}'];
const queryKeys = ['from', 'to', 'codingSystem', 'page', 'pageSize', 'mode', 'reason'];
const extraKeys = ['extra', 'Page', 'toString', 'constructor', '__proto__', 'prototype', 'hasOwnProperty', 'page[0]'];

const bodyValues: unknown[] = [null, '', 'a', '100017510100151', '10001751010015', 'pharmacy', 'cpam-counter', 'PHARMACY', 0, 1, -1, 120, 121, 1.5, true, false,
  'true', [], ['a'], ['a', 'b', 'c', 'd'], [1], [null], ['a', 2], {}, { a: 1 }, '0', '2025-01-01', '2026-01-01'];
const bodyKeys = ['ins', 'channel', 'age', 'minor', 'tags', 'finess', 'from', 'to', 'note', 'urgent'];

describe('validation pipe fast path', () => {
  it('compiles a plan for query and flat body DTOs, with the conversions their @Type asks for', () => {
    const history = compileDtoPlan(HistoryQueryDto);
    const open = compileDtoPlan(OpenBodyDto);

    expect(history && [...history.properties]).toEqual([
      ['from', undefined],
      ['to', undefined],
      ['codingSystem', undefined],
      ['page', Number],
      ['pageSize', Number],
      ['mode', undefined],
      ['reason', undefined],
    ]);
    expect(open && [...open.properties.keys()].sort()).toEqual([...bodyKeys].sort());
  });

  it.each([
    ['nested validation', NestedDto],
    ['a @Transform', TransformedDto],
    ['a field initialiser', InitialisedDto],
    ['a method', MethodDto],
    ['no rules at all', NoRulesDto],
  ])('leaves a DTO with %s to the full pipe (no plan)', (_what, dto) => {
    expect(compileDtoPlan(dto as new () => object)).toBeNull();
  });

  it('answers a valid history query with the instance, converted, without class-validator', async () => {
    const validate = jest.spyOn(classValidator, 'validate');
    try {
      const result = await fast.transform(parseQueryString('from=2025-01-01&to=2026-10-31&codingSystem=ccam&page=2&pageSize=50'), query(HistoryQueryDto));

      expect(result).toBeInstanceOf(HistoryQueryDto);
      expect(result).toEqual({ from: '2025-01-01', to: '2026-10-31', codingSystem: 'ccam', page: 2, pageSize: 50 });
      expect(validate).not.toHaveBeenCalled();
    } finally {
      validate.mockRestore();
    }
  });

  it('declines (undefined) what it cannot vouch for: unknown key, bad value, repeated key, nested object', () => {
    const plan = compileDtoPlan(HistoryQueryDto)!;

    expect(fastTransform(HistoryQueryDto, plan, parseQueryString('page=2&extra=1'))).toBeUndefined();
    expect(fastTransform(HistoryQueryDto, plan, parseQueryString('page=zero'))).toBeUndefined();
    expect(fastTransform(HistoryQueryDto, plan, parseQueryString('page=1&page=2'))).toBeUndefined();
    expect(fastTransform(HistoryQueryDto, plan, { page: { a: '1' } })).toBeUndefined();
    expect(fastTransform(HistoryQueryDto, plan, JSON.parse('{"__proto__": "1"}'))).toBeUndefined();
  });

  it('keeps the full error body for a bad query (field and reason)', async () => {
    const error = await fast.transform(parseQueryString('page=0&mode=sideways'), query(HistoryQueryDto)).catch((e: unknown) => e);

    expect((error as BadRequestException).getResponse()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        { field: 'page', reason: 'page must be at least 1' },
        { field: 'mode', reason: expect.stringContaining('mode must be one of') },
      ],
    });
  });

  it('gives what the full pipe gives for every single-key query and every single-key change of a valid one', async () => {
    const valid = 'from=2025-01-01&to=2026-10-31&codingSystem=ccam&page=2&pageSize=50&mode=normal&reason=x';
    const inputs: string[] = [valid, ''];
    for (const key of [...queryKeys, ...extraKeys]) {
      for (const value of queryValues) {
        const pair = `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
        inputs.push(pair, `${valid}&${pair}`, valid.replace(new RegExp(`(^|&)${key}=[^&]*`), `$1${pair}`));
      }
    }
    let accepted = 0;
    for (const input of inputs) {
      const result = await compare(() => parseQueryString(input), query(HistoryQueryDto));
      expectSame(result, input);
      if (result.actual.ok) accepted++;
    }
    // The comparison covers both verdicts.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(inputs.length - 100);
  });

  it('gives what the full pipe gives for thousands of random queries', async () => {
    const random = seededRandom(6);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    for (let i = 0; i < 3_000; i++) {
      const pairs: string[] = [];
      const count = Math.floor(random() * 6);
      for (let k = 0; k < count; k++) {
        const key = random() < 0.9 ? pick(queryKeys) : pick(extraKeys);
        pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(pick(queryValues))}`);
      }
      const input = pairs.join('&');
      expectSame(await compare(() => parseQueryString(input), query(HistoryQueryDto)), input);
    }
  });

  it('gives what the full pipe gives for JSON bodies: every single change of a valid one, and random ones', async () => {
    const valid = { ins: '100017510100151', channel: 'pharmacy', age: 40, minor: false, tags: ['a', 'b'], finess: '010000024', from: '2025-01-01', to: '2026-01-01', note: 'n', urgent: true };
    const inputs: string[] = [JSON.stringify(valid), JSON.stringify({ ins: '100017510100151', channel: 'cpam-counter' }), '{}'];
    for (const key of [...bodyKeys, ...extraKeys]) {
      const { [key]: _dropped, ...without } = valid as Record<string, unknown>;
      inputs.push(JSON.stringify(without));
      for (const value of bodyValues) inputs.push(JSON.stringify({ ...valid, [key]: value }));
    }
    // An own __proto__ key, as JSON.parse makes it.
    inputs.push(JSON.stringify(valid).replace('{', '{"__proto__":{"admin":true},'));
    const random = seededRandom(60);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    for (let i = 0; i < 3_000; i++) {
      const mutated: Record<string, unknown> = { ...valid };
      for (let k = Math.floor(random() * 4); k > 0; k--) {
        const key = random() < 0.9 ? pick(bodyKeys) : pick(extraKeys);
        if (random() < 0.2) delete mutated[key];
        else mutated[key] = pick(bodyValues);
      }
      inputs.push(JSON.stringify(mutated));
    }
    let accepted = 0;
    for (const input of inputs) {
      const result = await compare(() => JSON.parse(input) as unknown, body(OpenBodyDto));
      expectSame(result, input);
      if (result.actual.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(inputs.length - 100);
  });

  it.each([
    ['nested', NestedDto, '{"child":{"code":"a"}}'],
    ['nested, invalid child', NestedDto, '{"child":{"code":1}}'],
    ['transformed', TransformedDto, '{"name":"  a  "}'],
    ['initialised', InitialisedDto, '{}'],
    ['with a method', MethodDto, '{"name":"a"}'],
    ['without rules', NoRulesDto, '{"name":"a"}'],
  ])('gives what the full pipe gives for a DTO it has no plan for (%s)', async (_what, dto, input) => {
    expectSame(await compare(() => JSON.parse(input) as unknown, body(dto)), input);
  });
});
