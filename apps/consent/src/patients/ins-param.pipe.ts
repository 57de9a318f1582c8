import { Injectable, PipeTransform } from '@nestjs/common';
import { validateIns } from '@dmp/domain';
import { DomainException } from '@dmp/platform';

/** `:ins` in a path: a valid INS (key checked), else 400 naming the field. */
@Injectable()
export class InsParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const result = validateIns(value);
    if (!result.ok) throw new DomainException('INVALID_INS', `ins: ${result.reason}`, 400, [{ field: 'ins', reason: result.reason }]);
    return result.value;
  }
}
