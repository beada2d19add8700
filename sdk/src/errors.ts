/** The SDK's rejections: spec 002's Face Web SDK error codes (Table 6). */
import { DEFAULT_STRINGS, type StringKey, type Strings } from './localization.js';

const CODES = {
  ERROR_BROWSER_NOT_SUPPORTED: 100,
  ERROR_BROWSER_FEATURE_NOT_SUPPORTED: 100,
  ERROR_WEBRTC_NOT_SUPPORTED: 100,
  ERROR_NO_INPUT_DEVICES: 101,
  ERROR_BROWSER_VERSION_NOT_SUPPORTED: 103,
  FEEDBACK_CAMERA_ACQUIRING_FAILED: 104,
  FEEDBACK_DIALOG_CLOSED: 202,
  ERROR_SERVER_CONNECTION_FAILURE: 500,
  ERROR_FETCH_INTERNAL: 500,
  FEEDBACK_CAPTURE_TIMEOUT: 501,
  // Facegate's: the server failed the active-liveness challenge (the spec has no challenges).
  FEEDBACK_CHALLENGE_FAILED: 502,
} as const satisfies Partial<Record<StringKey, number>>;

/** Every name is also its message's key in the strings. */
export type SdkErrorName = keyof typeof CODES;

/**
 * `{code, name, message}` as the spec's integration example reads them;
 * `message` is the localized text and `detail` says what actually happened
 * (for logs, not for the person).
 */
export class FaceSdkError extends Error {
  readonly code: number;
  override readonly name: SdkErrorName;
  readonly detail: string;

  constructor(name: SdkErrorName, detail: string, strings: Strings = DEFAULT_STRINGS) {
    super(strings[name]);
    this.code = CODES[name];
    this.name = name;
    this.detail = detail;
  }

  /** The spec's integration example shows this message to the person. */
  getLocalizedString(): string {
    return this.message;
  }

  toJSON(): { code: number; name: string; message: string; detail: string } {
    return { code: this.code, name: this.name, message: this.message, detail: this.detail };
  }
}
