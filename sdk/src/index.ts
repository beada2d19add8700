/** The Facegate capture SDK, bundled as dist/sdk/facegate-capture.js (docs/capture-sdk.md). */
export { FaceSDK, SDK_VERSION, type CaptureOptions } from './face-sdk.js';
export type { ChallengeStep, IssuedChallenge } from './challenge.js';
export { FaceSdkError, type SdkErrorName } from './errors.js';
export { DEFAULT_STRINGS, type Localization, type StringKey } from './localization.js';
export { AS_THRESHOLDS, type AsThreshold, type CanvasGraphics, type CaptureQuality, type FeedbackEvent, type HtmlTemplates, type SdkEvents, type SdkOptions } from './options.js';
export type { EndpointOption, EndpointSpec, PubKeySpec } from './server.js';
export type { GuidanceFeedback } from './guidance.js';
