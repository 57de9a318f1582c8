import { randomUUID } from 'node:crypto';
import { DomainException } from '@dmp/platform';
import { PayloadClass, validateAs } from '@dmp/contracts';

export type HttpRequest = { headers: Record<string, string | string[] | undefined> };

/** The caller's X-Correlation-Id when usable, a new one otherwise. */
export function correlationIdOf(request: HttpRequest): string {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : randomUUID();
}

export interface UploadedFile {
  fieldname: string;
  buffer: Buffer;
}

/**
 * Reads a multipart submission: a `submission` field holding the JSON submission (documents
 * without bodyBase64) and one file per document named `document.<index>`. Refuses with a 400
 * naming the field when the form does not have that shape.
 */
export function parseMultipartSubmission<T extends { documents: unknown[] }>(
  cls: PayloadClass<T>,
  form: { submission?: string },
  files: UploadedFile[] | undefined,
): { submission: T; bodies: Map<number, Buffer> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(form.submission ?? '');
  } catch {
    throw new DomainException('INVALID_SUBMISSION', 'the submission field must hold the submission as JSON', 400, [{ field: 'submission', reason: 'must be a JSON object' }]);
  }
  const checked = validateAs(cls, parsed, 'submission');
  if (!checked.ok) throw new DomainException('INVALID_SUBMISSION', checked.reason, 400, checked.errors);
  const bodies = new Map<number, Buffer>();
  for (const file of files ?? []) {
    const match = /^document\.(\d+)$/.exec(file.fieldname);
    if (!match) throw new DomainException('INVALID_SUBMISSION', `unexpected file field ${file.fieldname}`, 400, [{ field: file.fieldname, reason: 'file fields must be named document.<index>' }]);
    bodies.set(Number(match[1]), file.buffer);
  }
  checked.value.documents.forEach((_document, index) => {
    if (!bodies.has(index)) throw new DomainException('INVALID_SUBMISSION', `no file for document ${index}`, 400, [{ field: `document.${index}`, reason: 'each document needs its body as a file field document.<index>' }]);
  });
  return { submission: checked.value, bodies };
}
