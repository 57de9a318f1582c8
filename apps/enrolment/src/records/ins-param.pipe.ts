import { Injectable, PipeTransform } from '@nestjs/common';
import { validateIns } from '@dmp/domain';
import { RecordException } from './record.exception';

/** `:ins` in a path: validated like a body field, 400 naming `ins` and the reason. */
@Injectable()
export class InsParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const result = validateIns(value);
    if (!result.ok) throw RecordException.validation([{ field: 'ins', reason: result.reason }]);
    return result.value;
  }
}
