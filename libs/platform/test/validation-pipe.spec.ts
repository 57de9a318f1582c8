import { BadRequestException } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { createValidationPipe } from '../src/http/validation';

class WidgetDto {
  @IsString()
  label!: string;

  @IsInt()
  count!: number;

  /** Accepts only the exact shape it is sure of; anything else goes to class-validator. */
  static fastValidate(raw: Record<string, unknown>): WidgetDto | null {
    return Object.keys(raw).length === 2 && typeof raw.label === 'string' && Number.isInteger(raw.count) ? (raw as unknown as WidgetDto) : null;
  }
}

class PlainDto {
  @IsString()
  label!: string;
}

const asBody = (metatype: unknown) => ({ type: 'body' as const, metatype: metatype as never, data: undefined });

describe('createValidationPipe', () => {
  const sut = createValidationPipe();

  it("returns the DTO's fast answer for a body it is sure of, without class-transformer", async () => {
    const body = { label: 'a', count: 2 };

    const result = await sut.transform(body, asBody(WidgetDto));

    expect(result).toBe(body);
  });

  it('falls back to class-validator, with its field errors, when the fast check is not sure', async () => {
    const error = await sut.transform({ label: 'a', count: 'two' }, asBody(WidgetDto)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'count' }] });
  });

  it('still refuses unknown properties through the full pass when the fast check declines them', async () => {
    const error = await sut.transform({ label: 'a', count: 2, extra: true }, asBody(WidgetDto)).catch((e: unknown) => e);

    expect((error as BadRequestException).getResponse()).toMatchObject({ errors: [{ field: 'extra' }] });
  });

  it('validates DTOs without a fast check as before (an instance of the class)', async () => {
    const result = await sut.transform({ label: 'a' }, asBody(PlainDto));

    expect(result).toBeInstanceOf(PlainDto);
  });
});
