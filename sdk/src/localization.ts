/**
 * User-facing strings. Keys and English defaults are spec 002's ("Default
 * English messages"), kept verbatim so an integrator's existing localization
 * object works; the few keys the spec lacks are marked.
 */
export const DEFAULT_STRINGS = {
  FEEDBACK_RETRY: 'Something is weird, move slightly to change lighting',
  FEEDBACK_RETRY_INSECURE: 'Insecure camera feed',
  FEEDBACK_RETRY_QUALITY: 'Bad Quality, Retry Capture',
  FEEDBACK_CAPTURED: 'Captured Successfully',
  FEEDBACK_INSIDE_GUIDE: 'Please be inside the guide',
  FEEDBACK_PLEASE_HOLD: 'Please hold.',
  FEEDBACK_STABLE: 'Please be stable',
  FEEDBACK_EYE_LEVEL: 'Look Straight',
  FEEDBACK_UP_FACING: 'Look Down to be parallel to camera',
  FEEDBACK_DOWN_FACING: 'Look up to be parallel to camera',
  FEEDBACK_FACE_OUTSIDE: 'Please be inside guide',
  FEEDBACK_CLOSE: 'Move Away',
  FEEDBACK_FAR: 'Move Close',
  FEEDBACK_LEFT_FACING: 'Looking Left, Please Look straight',
  FEEDBACK_RIGHT_FACING: 'Looking Right, Please Look straight',
  FEEDBACK_ROTATED: 'Look Straight',
  FEEDBACK_NOT_STABLE: 'Please be stable',
  FEEDBACK_OK: 'Please Hold',
  FEEDBACK_NO: 'Checking',
  FEEDBACK_NOT_CENTERED: 'Center Face in oval',
  FEEDBACK_CAMERA_ACQUIRING_FAILED: 'Cannot acquire camera, Allow permission Or Retry Capture',
  FEEDBACK_PROCESSING: 'Processing...',
  FEEDBACK_UPLOAD_FAILURE: 'Internal error retry',
  FEEDBACK_INITIALIZATION: 'Initializing...',
  FEEDBACK_CHANGE_LIGHT: 'Avoid shadows',
  FEEDBACK_CHANGE_LIGHT_TOO_BRIGHT: 'Too Bright, Move to better lighting.',
  FEEDBACK_CHANGE_LIGHT_TOO_DARK: 'Too Dark, Move to better lighting.',
  FEEDBACK_BUTTON_CLOSE: 'Close',
  FEEDBACK_BUTTON_RETRY: 'Retry',
  FEEDBACK_TRAINING_BUTTON_NEXT: 'Next',
  FEEDBACK_TRAINING_LABEL: 'Dont Show again',
  FEEDBACK_ORIENTATION_NOT_SUPPORTED: 'Only Portrait mode is supported',
  FEEDBACK_TRAINING_DIALOG_CLOSED: 'Training dialog, exited',
  ERROR_BROWSER_NOT_SUPPORTED: 'Browser not supported. Please use Chrome, Firefox, Opera, Edge(iOS, Android, Desktop), Samsung Internet (Android) or Safari (iOS, MAC)',
  ERROR_BROWSER_VERSION_NOT_SUPPORTED: 'Browser version not supported. Please update to latest version available.',
  ERROR_BROWSER_FEATURE_NOT_SUPPORTED: 'TextDecoder or Crypto API not present.',
  ERROR_WEBRTC_NOT_SUPPORTED: 'Webrtc not supported',
  ERROR_SERVER_INTERNAL: 'Internal Server Error',
  ERROR_SERVER_CONNECTION_FAILURE: 'Server connection failure',

  // Not in the spec's list (the spec names some as error codes only).
  FEEDBACK_MULTIPLE_FACES: 'Only one face, please',
  FEEDBACK_CAPTURE_TIMEOUT: 'Capture timed out',
  FEEDBACK_DIALOG_CLOSED: 'Capture closed',
  FEEDBACK_BUTTON_CONFIRM: 'Use this photo',
  FEEDBACK_CAMERA_SELECT: 'Camera',
  FEEDBACK_TRAINING_TEXT: 'Face the camera in good light, fit your face inside the oval and hold still. The photo is taken automatically.',
  FEEDBACK_GUIDE_LABEL: 'Camera preview with a face guide',
  ERROR_NO_INPUT_DEVICES: 'No camera found',
  ERROR_FETCH_INTERNAL: 'The verification server is unavailable',
  FEEDBACK_CHALLENGE_TURN_LEFT: 'Slowly turn your head to your left',
  FEEDBACK_CHALLENGE_TURN_RIGHT: 'Slowly turn your head to your right',
  FEEDBACK_CHALLENGE_LOOK_UP: 'Slowly look up',
  FEEDBACK_CHALLENGE_MOVE_CLOSER: 'Slowly bring your face closer to the camera',
  FEEDBACK_CHALLENGE_WAIT: 'Hold still…',
  FEEDBACK_CHALLENGE_RETURN: 'Now look straight at the camera',
  FEEDBACK_CHALLENGE_FAILED: 'We could not confirm the head movements. Please try again.',
};

export type StringKey = keyof typeof DEFAULT_STRINGS;
export type Localization = Partial<Record<StringKey, string>>;
export type Strings = Record<StringKey, string>;

export function resolveStrings(overrides: Localization | undefined): Strings {
  const strings: Strings = { ...DEFAULT_STRINGS };
  for (const key of Object.keys(DEFAULT_STRINGS) as StringKey[]) {
    const value = overrides?.[key];
    if (typeof value === 'string' && value !== '') strings[key] = value;
  }
  return strings;
}
