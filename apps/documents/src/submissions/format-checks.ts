import { isUtf8 } from 'node:buffer';
import { DocumentFormat } from '@dmp/domain';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a body does not match its declared format, or undefined when it does. */
export function checkFormat(format: DocumentFormat, body: Buffer): string | undefined {
  switch (format) {
    case DocumentFormat.PDF:
      return body.subarray(0, 5).toString('latin1') === '%PDF-' ? undefined : 'body is not a PDF (it does not start with %PDF-)';
    case DocumentFormat.TEXT:
      // isUtf8 validates without building the string (a fatal TextDecoder did both).
      return isUtf8(body) ? undefined : 'body is not valid UTF-8 text';
    case DocumentFormat.CDA_R2: {
      const text = decodeUtf8(body);
      if (text === undefined) return 'body is not valid UTF-8 XML';
      const problem = checkXml(text);
      if (problem !== undefined) return `body is not well-formed XML: ${problem}`;
      const root = rootLocalName(text);
      return root === 'ClinicalDocument' ? undefined : `body is not a CDA R2 document: its root element is ${root ?? 'missing'}, expected ClinicalDocument`;
    }
    default:
      return `unknown format ${String(format)}`;
  }
}

function decodeUtf8(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

// Sticky (y) patterns match at lastIndex without copying the rest of the text: linear on large bodies.
const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const ATTRIBUTE = /\s+([A-Za-z_:][A-Za-z0-9_.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/y;

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}
const REFERENCE = /&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z_][A-Za-z0-9_.-]*);/g;

function badReference(text: string): string | undefined {
  const stripped = text.replace(REFERENCE, '');
  return stripped.includes('&') ? 'an & that does not start an entity reference' : undefined;
}

/**
 * A small well-formedness check (no DTD processing, no namespaces validation): one root element,
 * tags balanced and properly nested, attributes quoted and not repeated, references well formed,
 * nothing but comments, processing instructions and white space outside the root. Enough to
 * refuse a truncated or non-XML body; schema validation of CDA is out of scope.
 */
export function checkXml(text: string): string | undefined {
  const stack: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let rootSeen = false;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt === -1 ? text.slice(i) : text.slice(i, lt);
    if (stack.length === 0 && chunk.trim() !== '') return `text outside the root element at offset ${i}`;
    const ref = badReference(chunk);
    if (ref !== undefined) return `${ref} at offset ${i}`;
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return `unterminated comment at offset ${i}`;
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) return `CDATA outside the root element at offset ${i}`;
      const end = text.indexOf(']]>', i);
      if (end === -1) return `unterminated CDATA section at offset ${i}`;
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end === -1) return `unterminated processing instruction at offset ${i}`;
      i = end + 2;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (rootSeen) return `DOCTYPE after the root element at offset ${i}`;
      const end = text.indexOf('>', i);
      if (end === -1 || text.slice(i, end).includes('[')) return `unsupported or unterminated DOCTYPE at offset ${i}`;
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const name = matchAt(NAME, text, i + 2);
      const end = text.indexOf('>', i);
      if (!name || end === -1 || text.slice(i + 2 + name[0].length, end).trim() !== '') return `malformed end tag at offset ${i}`;
      const open = stack.pop();
      if (open !== name[0]) return open === undefined ? `end tag </${name[0]}> without a start tag` : `end tag </${name[0]}> does not match <${open}>`;
      i = end + 1;
    } else {
      const name = matchAt(NAME, text, i + 1);
      if (!name) return `malformed tag at offset ${i}`;
      if (stack.length === 0 && rootSeen) return `a second root element <${name[0]}> at offset ${i}`;
      let j = i + 1 + name[0].length;
      const seen = new Set<string>();
      for (;;) {
        const attribute = matchAt(ATTRIBUTE, text, j);
        if (!attribute) break;
        if (seen.has(attribute[1])) return `attribute ${attribute[1]} repeated in <${name[0]}>`;
        seen.add(attribute[1]);
        const ref = badReference(attribute[2]);
        if (ref !== undefined) return `${ref} in attribute ${attribute[1]}`;
        j += attribute[0].length;
      }
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text.startsWith('/>', j)) {
        i = j + 2;
      } else if (text[j] === '>') {
        stack.push(name[0]);
        i = j + 1;
      } else {
        return `malformed start tag <${name[0]}> at offset ${i}`;
      }
      rootSeen = true;
    }
  }
  if (stack.length > 0) return `element <${stack[stack.length - 1]}> is not closed`;
  if (!rootSeen) return 'no root element';
  return undefined;
}

/** The local name (prefix dropped) of the first element of a well-formed document. */
export function rootLocalName(text: string): string | undefined {
  const match = /<([A-Za-z_][A-Za-z0-9_.:-]*)[\s/>]/.exec(text.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/g, ''));
  if (!match) return undefined;
  const name = match[1];
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}
