/**
 * The one error type of Facegate. `code` is the stable name callers switch on
 * (the spec's names where it has them), `numericCode` is the spec's numeric
 * code, `httpStatus` what the HTTP layer answers with.
 */
export class FacegateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FacegateError';
  }

  get numericCode(): number {
    return ERROR_CATALOG[this.code].numeric;
  }

  get httpStatus(): number {
    return ERROR_CATALOG[this.code].http;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.numericCode, feedbackCode: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Spec 002, Table 9, plus Facegate's own codes (numbers ≥ 700 are ours). */
export const ERROR_CATALOG = {
  ERROR_SERVER_INTERNAL: { numeric: 500, http: 500 },
  ERROR_INVALID_JSON: { numeric: 501, http: 400 },
  ERROR_INVALID_IMAGE: { numeric: 503, http: 400 },
  ERROR_INVALID_FORMAT: { numeric: 504, http: 400 },
  ERROR_INVALID_MATCH_LEVEL: { numeric: 505, http: 400 },
  ERROR_INVALID_AS_LEVEL: { numeric: 506, http: 400 },
  NO_TEMPLATES_SPECIFIED: { numeric: 507, http: 400 },
  ERROR_MULTIPLE_FACES: { numeric: 509, http: 400 },
  ERROR_POOR_ICAO_QUALITY: { numeric: 510, http: 400 },
  ERROR_DECRYPTION_FAILED: { numeric: 601, http: 400 },
  ERROR_REQUEST_EXPIRED: { numeric: 604, http: 500 },
  ERROR_TEMPLATE_MODEL_MISMATCH: { numeric: 701, http: 400 },
  ERROR_INVALID_TEMPLATE: { numeric: 702, http: 400 },
  ERROR_MODEL_LOAD_FAILED: { numeric: 703, http: 500 },
  ERROR_ENGINE_OVERLOADED: { numeric: 704, http: 503 },
  ERROR_INVALID_ARGUMENT: { numeric: 705, http: 400 },
  ERROR_UNAUTHORIZED: { numeric: 710, http: 401 },
  ERROR_FORBIDDEN: { numeric: 711, http: 403 },
  ERROR_GALLERY_NOT_FOUND: { numeric: 712, http: 404 },
  ERROR_USER_NOT_FOUND: { numeric: 713, http: 404 },
  ERROR_ALREADY_ENROLLED: { numeric: 714, http: 409 },
  ERROR_RATE_LIMITED: { numeric: 715, http: 429 },
  ERROR_PHOTO_NOT_AVAILABLE: { numeric: 716, http: 404 },
  ERROR_GALLERY_EXISTS: { numeric: 717, http: 409 },
  ERROR_KEY_NOT_FOUND: { numeric: 718, http: 404 },
  ERROR_NOT_FOUND: { numeric: 719, http: 404 },
  ERROR_LIVENESS_FAILED: { numeric: 720, http: 400 },
  ERROR_INDEX_LOADING: { numeric: 721, http: 503 },
  ERROR_TOO_MANY_ATTEMPTS: { numeric: 722, http: 429 },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, value);
}
