import { FacegateError } from '../core/errors.js';

/** The list under `key` of an evaluation manifest (JSON in the style of ../shared/datasets). */
export function manifestList(text: string, where: string, key: 'images' | 'clips'): unknown[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `${where} is not JSON`);
  }
  const list = (manifest as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw new FacegateError('ERROR_INVALID_ARGUMENT', `${where} needs a "${key}" array`);
  return list;
}
