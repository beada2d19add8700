/** FaceSDK constructor options (spec 002 Table 2) and their defaults. */
import type { CaptureQuality, GuidanceFeedback } from './guidance.js';
import { resolveStrings, type Localization, type StringKey, type Strings } from './localization.js';

export const AS_THRESHOLDS = ['LOW', 'MEDIUM', 'MODERATE', 'BALANCED_HIGH', 'HIGH', 'BALANCED_VERY_HIGH', 'VERY_HIGH', 'HIGHEST'] as const;
export type AsThreshold = (typeof AS_THRESHOLDS)[number];

export type { CaptureQuality } from './guidance.js';

export interface FeedbackEvent {
  key: GuidanceFeedback | StringKey;
  message: string;
}

export interface SdkEvents {
  /** Called once per capture with what the SDK measured, when returnQualityMetadata is on. */
  onImageQualityDetected?: (quality: CaptureQuality) => void;
  /** With allowCameraSelect and several cameras: return (or resolve to) the deviceId to use. */
  onInputDevicesDetected?: (devices: MediaDeviceInfo[]) => Promise<string | undefined> | string | undefined;
  /** Facegate: every change of the guidance message. */
  onFeedback?: (event: FeedbackEvent) => void;
}

/** Spec 002 Graphics: colours of the capture screen (any CSS colour). */
export interface CanvasGraphics {
  label?: string;
  canvasBackground?: string;
  labelBackground?: string;
  ovalBorderBackground?: string;
  ovalBorderErrorBackground?: string;
  tickerDefaultBackground?: string;
  tickerActiveBackground?: string;
}

export interface HtmlTemplates {
  /** Replaces the capture screen; see docs/capture-sdk.md for the data-fg hooks it must keep. */
  CAPTURE_DIALOG?: string;
  /** Replaces the "Processing..." overlay; an element with data-fg="progress-message" gets the text. */
  PROGRESS_DIALOG?: string;
}

export interface SdkOptions {
  /** Liveness level the server applies to this capture (carried in the blob's metadata). */
  asThreshold?: AsThreshold;
  localization?: Localization;
  events?: SdkEvents;
  htmlTemplates?: HtmlTemplates;
  graphics?: { canvas?: CanvasGraphics };
  /** Show the instructions screen before each capture (until the person ticks "don't show again"). */
  showCaptureTraining?: boolean;
  /** Show a close button; closing rejects capture() with 202. Default true. */
  allowClose?: boolean;
  /** Use the rear camera (someone else takes the photo). Default: front camera. */
  assisted?: boolean;
  /** Put the SDK's measurements into the blob and call onImageQualityDetected. Default true. */
  returnQualityMetadata?: boolean;
  /** Let the person choose among several cameras. Default false. */
  allowCameraSelect?: boolean;
  /** Milliseconds allowed for one capture before rejecting with 501. Default 30000, at most 50000. */
  captureTimeout?: number;
  /** After the automatic capture, show the photo with "Retry" and "Use this photo". */
  enableRetakeScreen?: boolean;
  /** Carried in the blob's metadata for the server; the checks themselves run there. */
  enableAs?: boolean;
  enableICAOChecks?: boolean;
  enableEyesStatusDetector?: boolean;
  requiredTemplates?: string[];
  /** Skip the browser-version check (103); missing features still fail with 100. */
  skipSupportCheck?: boolean;
  /** Accepted for compatibility with spec 002 integrations; no effect here (docs/capture-sdk.md). */
  base64EncodingFlag?: unknown;
  transaction?: unknown;
  appUI?: unknown;
  enableBackgroundRemoval?: unknown;
  backgroundColor?: unknown;

  /** Facegate: the server's guidance endpoint; without it the SDK asks the person to hold still and captures after 3 s. */
  guidanceUrl?: string;
  /** Facegate: headers for guidance requests (for example a capture-session token). */
  guidanceHeaders?: Record<string, string>;
  /** Facegate: element to draw the capture screen into; default a full-screen dialog over the page. */
  container?: HTMLElement;
}

export interface ResolvedOptions {
  strings: Strings;
  events: SdkEvents;
  htmlTemplates: HtmlTemplates;
  graphics: CanvasGraphics;
  showCaptureTraining: boolean;
  allowClose: boolean;
  assisted: boolean;
  returnQualityMetadata: boolean;
  allowCameraSelect: boolean;
  captureTimeout: number;
  enableRetakeScreen: boolean;
  skipSupportCheck: boolean;
  guidanceUrl: string | undefined;
  guidanceHeaders: Record<string, string>;
  container: HTMLElement | undefined;
  /** The options the server may act on, for the blob header. */
  serverMetadata: Record<string, unknown>;
}

const DEFAULT_CAPTURE_TIMEOUT_MS = 30_000;
const MAX_CAPTURE_TIMEOUT_MS = 50_000;

/** Throws a TypeError for values that can only be an integration mistake, before any camera is opened. */
export function resolveOptions(options: SdkOptions): ResolvedOptions {
  const { asThreshold, captureTimeout = DEFAULT_CAPTURE_TIMEOUT_MS } = options;
  if (asThreshold !== undefined && !AS_THRESHOLDS.includes(asThreshold)) {
    throw new TypeError(`asThreshold must be one of ${AS_THRESHOLDS.join(', ')}, got ${String(asThreshold)}`);
  }
  if (!Number.isFinite(captureTimeout) || captureTimeout <= 0) throw new TypeError(`captureTimeout must be a positive number of milliseconds, got ${captureTimeout}`);
  const serverMetadata: Record<string, unknown> = {};
  for (const key of ['asThreshold', 'enableAs', 'enableICAOChecks', 'enableEyesStatusDetector', 'requiredTemplates'] as const) {
    if (options[key] !== undefined) serverMetadata[key] = options[key];
  }
  return {
    strings: resolveStrings(options.localization),
    events: options.events ?? {},
    htmlTemplates: options.htmlTemplates ?? {},
    graphics: options.graphics?.canvas ?? {},
    showCaptureTraining: options.showCaptureTraining ?? false,
    allowClose: options.allowClose ?? true,
    assisted: options.assisted ?? false,
    returnQualityMetadata: options.returnQualityMetadata ?? true,
    allowCameraSelect: options.allowCameraSelect ?? false,
    captureTimeout: Math.min(captureTimeout, MAX_CAPTURE_TIMEOUT_MS),
    enableRetakeScreen: options.enableRetakeScreen ?? false,
    skipSupportCheck: options.skipSupportCheck ?? false,
    guidanceUrl: options.guidanceUrl,
    guidanceHeaders: options.guidanceHeaders ?? {},
    container: options.container,
    serverMetadata,
  };
}
