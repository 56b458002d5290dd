// Secret masking of a payload before it is encoded (docs/masking.md): every free-text field,
// every attribute value and every string inside a request document goes through the masker,
// named as the API names it ('output', 'error', 'message', 'reason', 'attributes.<key>',
// 'request.<path>'). A payload with nothing to mask is returned as it is (no copy).
import type { DocumentValue } from './journal-records.js';
import type { FieldTable } from './field-table.js';

/** What masking needs of a masker (SecretMasker implements it). */
export interface Masker {
  text(field: string, value: string): string;
  attribute(key: string, value: string): string;
}

export function maskPayload<P extends object>(
  fields: FieldTable,
  payload: P,
  masker: Masker,
  prefix?: string,
): P {
  let out: Record<string, unknown> | undefined;
  const named = payload as Record<string, unknown>;
  for (const field of fields) {
    const value = named[field.name];
    if (value === undefined) continue;
    let masked: unknown = value;
    if (field.type === 'text')
      masked = masker.text(prefix ? `${prefix}.${field.name}` : field.name, value as string);
    else if (field.type === 'attributes')
      masked = maskAttributes(value as Record<string, string>, masker);
    else if (field.type === 'document')
      masked = maskDocument(value as DocumentValue, field.name, masker);
    if (masked !== value) {
      out ??= { ...named };
      out[field.name] = masked;
    }
  }
  return (out ?? payload) as P;
}

function maskAttributes(
  attributes: Record<string, string>,
  masker: Masker,
): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    const masked = masker.attribute(key, value);
    if (masked !== value) {
      out ??= { ...attributes };
      out[key] = masked;
    }
  }
  return out ?? attributes;
}

function maskDocument(value: DocumentValue, path: string, masker: Masker): DocumentValue {
  if (typeof value === 'string') return masker.text(path, value);
  if (Array.isArray(value)) {
    let out: DocumentValue[] | undefined;
    value.forEach((item, i) => {
      const masked = maskDocument(item, `${path}[${i}]`, masker);
      if (masked !== item) {
        out ??= [...value];
        out[i] = masked;
      }
    });
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  let out: Record<string, DocumentValue> | undefined;
  for (const [key, item] of Object.entries(value)) {
    // A string under a key that names a secret is masked whole, as an attribute would be.
    const masked =
      typeof item === 'string'
        ? masker.attribute(key, masker.text(`${path}.${key}`, item))
        : maskDocument(item, `${path}.${key}`, masker);
    if (masked !== item) {
      out ??= { ...value };
      out[key] = masked;
    }
  }
  return out ?? value;
}
