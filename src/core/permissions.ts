/**
 * API-key permissions. The SDK and Backoffice entries are spec 000's matrix
 * (context × endpoint × action); `api:*` guard the spec 002 engine endpoints
 * and `admin:*` the administration endpoints. A key holding `*` may do
 * everything (the bootstrap key).
 */
export const PERMISSIONS = {
  'sdk:enroll': 'SDK enroll (POST /sdk/v1/enroll)',
  'sdk:identify': 'SDK 1:1 identification against an enrolled user',
  'sdk:search': 'SDK 1:N search in a gallery',
  'sdk:liveness': 'SDK liveness check',
  'sdk:capture': 'SDK capture analysis (quality, ICAO, liveness)',
  'backoffice:enroll': 'Backoffice enroll (POST /backoffice/v1/enroll), counted as a legacy migration',
  'backoffice:update-enroll': 'Backoffice update of an enrollment (PUT /backoffice/v1/enroll)',
  'backoffice:delete-enroll': 'Backoffice deletion of an enrollment (DELETE /backoffice/v1/enroll)',
  'backoffice:identify': 'Backoffice 1:1 identification',
  'backoffice:search': 'Backoffice 1:N search',
  'backoffice:liveness': 'Backoffice liveness check',
  'backoffice:capture': 'Backoffice capture analysis',
  'backoffice:photo': 'Backoffice retrieval of an enrollment photo',
  'backoffice:log-session': 'Backoffice transaction log',
  'backoffice:facemap': 'Backoffice export of an enrollment as a client-held facemap (spec 003)',
  'api:process': 'POST /api/v1/process',
  'api:match': 'POST /api/v1/matchWithSelfie and /api/v1/matchWithPictureId',
  'api:verify': 'POST /api/v1/verifyWithPictureId',
  'api:generate-template': 'POST /api/v1/face/generateTemplateFromImage',
  'api:liveness': 'POST /api/v1/face/as and /api/v1/secure/face/as',
  'admin:keys': 'create, list and revoke API keys',
  'admin:galleries': 'create, list, change and delete galleries',
  'admin:webhooks': 'read the webhook delivery log',
  'admin:clients': 'create, list and revoke verification clients (HMAC and Basic-auth credentials)',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];
export const WILDCARD = '*';

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

/** Expands "sdk:*" style prefixes and validates; throws on unknown names. */
export function parsePermissions(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of values.map((v) => v.trim()).filter(Boolean)) {
    if (raw === WILDCARD) out.add(WILDCARD);
    else if (raw.endsWith(':*')) {
      const matching = ALL_PERMISSIONS.filter((p) => p.startsWith(raw.slice(0, -1)));
      if (matching.length === 0) throw new RangeError(`unknown permission group "${raw}"`);
      matching.forEach((p) => out.add(p));
    } else if (isPermission(raw)) out.add(raw);
    else throw new RangeError(`unknown permission "${raw}"; known: ${ALL_PERMISSIONS.join(', ')}, a group such as sdk:*, or *`);
  }
  return [...out];
}

export function grants(held: readonly string[], needed: Permission): boolean {
  return held.includes(WILDCARD) || held.includes(needed);
}

/** Whether a key may use a context at all (the spec's handshake has no action of its own). */
export function grantsContext(held: readonly string[], context: 'sdk' | 'backoffice'): boolean {
  return held.includes(WILDCARD) || held.some((p) => p.startsWith(`${context}:`));
}
