/**
 * Live-guidance decisions, kept free of the DOM so they run (and are tested)
 * in Node. The SDK sends small frames to the server's guidance endpoint, which
 * answers with face boxes and brightness; this module turns each answer into
 * one FEEDBACK_* key and decides when the face has been good long enough to
 * capture.
 */

/** A face box in the guidance frame's pixels, as the guidance endpoint returns it. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/** The guidance endpoint's answer for one frame. */
export interface GuidanceFrame {
  faces: FaceBox[];
  frameWidth: number;
  frameHeight: number;
  /** Mean luma 0-255 of the primary face (of the whole frame when there is no face). */
  brightness: number;
  /** Degrees, 0 frontal; negative when the person turns to their own left. */
  yaw?: number;
  /** Degrees, 0 frontal; positive when the person looks up. */
  pitch?: number;
}

/** An axis-aligned ellipse: centre and radii. */
interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export type GuidanceFeedback =
  | 'FEEDBACK_INSIDE_GUIDE'
  | 'FEEDBACK_MULTIPLE_FACES'
  | 'FEEDBACK_CHANGE_LIGHT_TOO_DARK'
  | 'FEEDBACK_CHANGE_LIGHT_TOO_BRIGHT'
  | 'FEEDBACK_FACE_OUTSIDE'
  | 'FEEDBACK_FAR'
  | 'FEEDBACK_CLOSE'
  | 'FEEDBACK_NOT_CENTERED'
  | 'FEEDBACK_LEFT_FACING'
  | 'FEEDBACK_RIGHT_FACING'
  | 'FEEDBACK_UP_FACING'
  | 'FEEDBACK_DOWN_FACING'
  | 'FEEDBACK_NOT_STABLE'
  | 'FEEDBACK_OK';

interface GuidanceThresholds {
  /** Detections scoring lower are ignored. */
  minFaceScore: number;
  /** Faces narrower than this share of the widest are background people or false positives. */
  significantFaceRatio: number;
  /** Face box width / oval width: below is "move closer", above "move away". */
  minWidthRatio: number;
  maxWidthRatio: number;
  /** Distance of the face centre from the oval centre, in oval radii (1 = on the border). */
  maxCentreOffset: number;
  /** Face box closer than this share of the frame size to an edge is cut off by it. */
  edgeMargin: number;
  minBrightness: number;
  maxBrightness: number;
  /** Same limits as the server's head_pose_check, so a guided capture passes it. */
  maxYaw: number;
  maxPitch: number;
  /** Between two frames: centre shift and width change, as a share of the face width. */
  maxMovement: number;
  /** How long the face must stay good before the capture is taken. */
  holdMs: number;
}

export const DEFAULT_THRESHOLDS: GuidanceThresholds = {
  minFaceScore: 0.5,
  significantFaceRatio: 0.35,
  minWidthRatio: 0.5,
  maxWidthRatio: 0.9,
  maxCentreOffset: 0.3,
  edgeMargin: 0.01,
  minBrightness: 55,
  maxBrightness: 210,
  maxYaw: 20,
  maxPitch: 20,
  maxMovement: 0.12,
  holdMs: 1000,
};

/** Width / height of the guide oval. */
const OVAL_ASPECT = 0.75;

/**
 * The oval frames the whole head, hair to chin, while detection boxes run
 * from the forehead to the chin: the head's centre lies this far down the box.
 */
export const HEAD_CENTRE_IN_BOX = 0.4;

/**
 * Where the oval is drawn in a view of the given size: as tall as the view
 * allows while leaving room for the message under it, and never wider than
 * 80% of the view, which is what bounds it on a portrait phone.
 */
export function ovalInView(viewWidth: number, viewHeight: number): Ellipse {
  const height = Math.min(0.68 * viewHeight, (0.8 * viewWidth) / OVAL_ASPECT);
  return { cx: viewWidth / 2, cy: 0.44 * viewHeight, rx: (height * OVAL_ASPECT) / 2, ry: height / 2 };
}

export interface ViewLayout {
  videoWidth: number;
  videoHeight: number;
  viewWidth: number;
  viewHeight: number;
}

/**
 * The oval in a guidance frame's pixels. The video fills its view like CSS
 * `object-fit: cover` (scaled to cover, centred, the overflow cropped), and
 * the frame is the whole video scaled to frameWidth x frameHeight. Mirroring
 * the preview does not matter: the oval is centred horizontally.
 */
export function ovalInFrame(layout: ViewLayout, frameWidth: number, frameHeight: number): Ellipse {
  const { videoWidth, videoHeight, viewWidth, viewHeight } = layout;
  const scale = Math.max(viewWidth / videoWidth, viewHeight / videoHeight);
  const offsetX = (viewWidth - videoWidth * scale) / 2;
  const offsetY = (viewHeight - videoHeight * scale) / 2;
  const toFrameX = frameWidth / videoWidth / scale;
  const toFrameY = frameHeight / videoHeight / scale;
  const oval = ovalInView(viewWidth, viewHeight);
  return { cx: (oval.cx - offsetX) * toFrameX, cy: (oval.cy - offsetY) * toFrameY, rx: oval.rx * toFrameX, ry: oval.ry * toFrameY };
}

/** The faces that count, widest first. */
export function significantFaces(faces: readonly FaceBox[], t: GuidanceThresholds = DEFAULT_THRESHOLDS): FaceBox[] {
  const confident = faces.filter((f) => f.score >= t.minFaceScore).sort((a, b) => b.width - a.width);
  const widest = confident[0]?.width ?? 0;
  return confident.filter((f) => f.width >= widest * t.significantFaceRatio);
}

interface FrameAssessment {
  feedback: GuidanceFeedback;
  /** The face the feedback is about, when there is exactly one. */
  face: FaceBox | null;
}

/** The first problem of one frame, in the order a person should fix them. */
export function assessFrame(frame: GuidanceFrame, oval: Ellipse, previousFace: FaceBox | null, t: GuidanceThresholds = DEFAULT_THRESHOLDS): FrameAssessment {
  const faces = significantFaces(frame.faces, t);
  const lighting = lightingFeedback(frame.brightness, t);
  if (faces.length === 0) return { feedback: lighting ?? 'FEEDBACK_INSIDE_GUIDE', face: null };
  if (faces.length > 1) return { feedback: 'FEEDBACK_MULTIPLE_FACES', face: null };
  const face = faces[0];
  const feedback = lighting ?? placementFeedback(frame, face, oval, t) ?? poseFeedback(frame, t) ?? movementFeedback(face, previousFace, t) ?? 'FEEDBACK_OK';
  return { feedback, face };
}

function lightingFeedback(brightness: number, t: GuidanceThresholds): GuidanceFeedback | null {
  if (brightness < t.minBrightness) return 'FEEDBACK_CHANGE_LIGHT_TOO_DARK';
  if (brightness > t.maxBrightness) return 'FEEDBACK_CHANGE_LIGHT_TOO_BRIGHT';
  return null;
}

function placementFeedback(frame: GuidanceFrame, face: FaceBox, oval: Ellipse, t: GuidanceThresholds): GuidanceFeedback | null {
  const marginX = t.edgeMargin * frame.frameWidth;
  const marginY = t.edgeMargin * frame.frameHeight;
  const cutOff = face.x < marginX || face.y < marginY || face.x + face.width > frame.frameWidth - marginX || face.y + face.height > frame.frameHeight - marginY;
  const widthRatio = face.width / (2 * oval.rx);
  // A face much too large is also cut off by the frame; "move away" is the useful advice then.
  if (widthRatio > t.maxWidthRatio) return 'FEEDBACK_CLOSE';
  if (cutOff) return 'FEEDBACK_FACE_OUTSIDE';
  if (widthRatio < t.minWidthRatio) return 'FEEDBACK_FAR';
  const dx = (face.x + face.width / 2 - oval.cx) / oval.rx;
  const dy = (face.y + HEAD_CENTRE_IN_BOX * face.height - oval.cy) / oval.ry;
  if (Math.hypot(dx, dy) > t.maxCentreOffset) return 'FEEDBACK_NOT_CENTERED';
  return null;
}

function poseFeedback(frame: GuidanceFrame, t: GuidanceThresholds): GuidanceFeedback | null {
  const { yaw, pitch } = frame;
  if (yaw !== undefined && Math.abs(yaw) > t.maxYaw) return yaw < 0 ? 'FEEDBACK_LEFT_FACING' : 'FEEDBACK_RIGHT_FACING';
  if (pitch !== undefined && Math.abs(pitch) > t.maxPitch) return pitch > 0 ? 'FEEDBACK_UP_FACING' : 'FEEDBACK_DOWN_FACING';
  return null;
}

function movementFeedback(face: FaceBox, previous: FaceBox | null, t: GuidanceThresholds): GuidanceFeedback | null {
  if (!previous) return null;
  const shift = Math.hypot(face.x + face.width / 2 - (previous.x + previous.width / 2), face.y + face.height / 2 - (previous.y + previous.height / 2));
  const resize = Math.abs(face.width - previous.width);
  return Math.max(shift, resize) > t.maxMovement * face.width ? 'FEEDBACK_NOT_STABLE' : null;
}

export interface GuidanceState {
  feedback: GuidanceFeedback | null;
  /** The last frame's face, to measure movement against. */
  lastFace: FaceBox | null;
  /** When the face became good without interruption, or null. */
  goodSince: number | null;
}

export const INITIAL_GUIDANCE: GuidanceState = { feedback: null, lastFace: null, goodSince: null };

/** The state after one more guidance frame, received at `now` (ms). */
export function advanceGuidance(state: GuidanceState, frame: GuidanceFrame, layout: ViewLayout, now: number, t: GuidanceThresholds = DEFAULT_THRESHOLDS): GuidanceState {
  const oval = ovalInFrame(layout, frame.frameWidth, frame.frameHeight);
  const { feedback, face } = assessFrame(frame, oval, state.lastFace, t);
  const good = feedback === 'FEEDBACK_OK';
  return { feedback, lastFace: face, goodSince: good ? (state.goodSince ?? now) : null };
}

/** 0 to 1: how far through the hold the face is; 1 means capture now. */
export function holdProgress(state: GuidanceState, now: number, t: GuidanceThresholds = DEFAULT_THRESHOLDS): number {
  if (state.goodSince === null) return 0;
  return Math.min(1, (now - state.goodSince) / t.holdMs);
}

/** What onImageQualityDetected receives and, with returnQualityMetadata, the blob header's metadata.quality. */
export interface CaptureQuality {
  /** Whether the server's guidance endpoint judged the frames (false: timed capture). */
  guided: boolean;
  /** |yaw| and |pitch| within 20 degrees on the last guidance frame; null without pose data. */
  head_pose_check: boolean | null;
  /** Mean face luma 0-255 on the last guidance frame. */
  brightness: number | null;
  /** Face box on the last guidance frame, as shares of the frame's width and height. */
  face: { x: number; y: number; width: number; height: number } | null;
  yaw: number | null;
  pitch: number | null;
  /** Guidance frames the server answered during this capture. */
  guidanceFrames: number;
  /** Milliseconds from the start of guidance to the capture. */
  captureMs: number;
}

/** The quality report from the last guidance frame (null: unguided) and the face it was judged on. */
export function captureQuality(frame: GuidanceFrame | null, face: FaceBox | null, guidanceFrames: number, captureMs: number): CaptureQuality {
  const { yaw, pitch } = frame ?? {};
  return {
    guided: frame !== null,
    head_pose_check: yaw !== undefined && pitch !== undefined ? Math.abs(yaw) <= DEFAULT_THRESHOLDS.maxYaw && Math.abs(pitch) <= DEFAULT_THRESHOLDS.maxPitch : null,
    brightness: frame ? frame.brightness : null,
    face: frame && face ? { x: face.x / frame.frameWidth, y: face.y / frame.frameHeight, width: face.width / frame.frameWidth, height: face.height / frame.frameHeight } : null,
    yaw: yaw ?? null,
    pitch: pitch ?? null,
    guidanceFrames,
    captureMs: Math.round(captureMs),
  };
}

/** Validates the guidance endpoint's JSON; throws on anything else, which the SDK counts as a failed request. */
export function parseGuidanceFrame(body: unknown): GuidanceFrame {
  const answer = asRecord(body, 'guidance answer');
  if (!Array.isArray(answer.faces)) throw new TypeError('guidance answer has no faces array');
  const faces = answer.faces.map((value: unknown): FaceBox => {
    const face = asRecord(value, 'guidance face');
    const field = (key: string) => numberField(face, key, 'guidance face');
    return { x: field('x'), y: field('y'), width: field('width'), height: field('height'), score: field('score') };
  });
  const frameWidth = numberField(answer, 'frameWidth', 'guidance answer');
  const frameHeight = numberField(answer, 'frameHeight', 'guidance answer');
  if (frameWidth <= 0 || frameHeight <= 0) throw new TypeError('guidance answer needs a positive frameWidth and frameHeight');
  const frame: GuidanceFrame = { faces, frameWidth, frameHeight, brightness: numberField(answer, 'brightness', 'guidance answer') };
  if (answer.yaw !== undefined) frame.yaw = numberField(answer, 'yaw', 'guidance answer');
  if (answer.pitch !== undefined) frame.pitch = numberField(answer, 'pitch', 'guidance answer');
  return frame;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function numberField(record: Record<string, unknown>, key: string, what: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} needs a numeric ${key}`);
  return value;
}
