/**
 * The spec's `quality` and `icao_data` blocks for one face (spec 002: ICAO
 * metrics, /process response, generateTemplateFromImage quality modes), from
 * the decoded frame, the 68 landmarks and the eye-state and head-pose model
 * outputs. Pure and synchronous; methods and limits are in docs/quality.md.
 *
 * Sides follow the image: eyeL / sideL are the eye and the area on the image's
 * left. The spec names them for a mirrored selfie, where the eye on the image's
 * left is the user's right eye, and says so: "the right eye of the user is the
 * left eye in the captured image".
 */
import type { Box, Point } from './geometry.js';
import type { RgbImage } from './image.js';
import { backgroundContinuity, exposure, facePixels, illuminationUniformity, sharpness } from './quality-photometry.js';
import { faceFrame, ramp, sampleFacePatch, toFace } from './quality-frame.js';
import { faceLayout, glareShare, hasSkinColour, regionEvidence, regionVisibility, skinReference, type RegionName } from './quality-regions.js';

export interface QualityInputs {
  /** The whole upright frame. */
  image: RgbImage;
  /** The face detection box, in image pixels. */
  box: Box;
  /** 68 points, iBUG/dlib layout, image pixels. */
  landmarks: readonly Point[];
  /** Number of significant faces found in the frame. */
  faceCount: number;
  /** Model probability 0..1 that the eye on the image's left / right is open. */
  eyesOpen: { left: number; right: number };
  /** Degrees, 0 = frontal. */
  pose: { yaw: number; pitch: number; roll: number };
}

export interface QualityBlock {
  eyes_status: 'OPEN' | 'CLOSED';
  eyes_open_metric: number;
  head_pose_check: boolean;
  quality_metric: number;
  qc_passed: boolean;
}

export interface IcaoData {
  multiple_faces: boolean;
  eyes_full_visibility: boolean;
  background_continuity: number;
  illumination_uniformity: number;
  over_exposure: number;
  under_exposure: number;
  nose_visibility: number;
  mouth_visibility: number;
  top_visibility: number;
  bottom_visibility: number;
  eyeL_visibility: number;
  eyeR_visibility: number;
  sideL_visibility: number;
  sideR_visibility: number;
  is_compliant: boolean;
}

export interface QualityMeasurements {
  /** Pixels between the eye centres. */
  interOcularDistance: number;
  /** Variance of the Laplacian of luma on a 64x64 eyes-to-mouth patch. */
  sharpness: number;
  /** Mean face luma, 0-255. */
  brightness: number;
  /** Standard deviation of face luma, 0-255. */
  contrast: number;
  yaw: number;
  pitch: number;
  roll: number;
  /** Detection box width / image width. */
  faceWidthRatio: number;
}

export interface QualityAssessment {
  quality: QualityBlock;
  icao: IcaoData;
  measurements: QualityMeasurements;
}

export type QualityMode = 'ENROL' | 'VERIFY' | 'DISABLED';

/**
 * assessQuality uses the pose, eye and qc_passed thresholds; qualityModeRejection
 * uses the per-mode ones and the assessment's own head_pose_check and
 * eyes_full_visibility, so pass the same overrides to both.
 */
export interface QualityThresholds {
  /** head_pose_check: largest |yaw| in degrees. */
  maxYaw: number;
  /** head_pose_check: largest |pitch| in degrees. */
  maxPitch: number;
  /** head_pose_check: largest |roll| in degrees. */
  maxRoll: number;
  /** eyes_full_visibility: least eyeL / eyeR visibility (0-100). */
  minEyeVisibility: number;
  /** eyes_full_visibility: most clipped-white share of the eye regions (glare on eyes or glasses), 0-1. */
  maxEyeGlare: number;
  /** qc_passed: least quality_metric. */
  qcPassedMinQuality: number;
  /** ENROL: least inter-ocular distance in pixels. */
  enrolMinInterOcular: number;
  /** VERIFY: least inter-ocular distance in pixels. */
  verifyMinInterOcular: number;
  /** ENROL: least quality_metric. */
  enrolMinQuality: number;
  /** VERIFY: least quality_metric. */
  verifyMinQuality: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = Object.freeze({
  // Head-pose regressors of this kind err by about 5-7 degrees, so ISO 19794-5's ±5° would reject frontal faces at random.
  maxYaw: 20,
  maxPitch: 20,
  maxRoll: 20,
  // The spec's examples report eyes_full_visibility false at eyeL 50 and true at eyeL 80 / eyeR 97.
  minEyeVisibility: 60,
  maxEyeGlare: 0.08,
  qcPassedMinQuality: 40,
  // The embedder sees a 112-pixel crop with about 35 pixels between the eyes: below that, enrolment detail is interpolated.
  enrolMinInterOcular: 36,
  verifyMinInterOcular: 20,
  enrolMinQuality: 50,
  verifyMinQuality: 40,
});

/** Spec (/process, icao_data.is_compliant): each listed metric must be greater than its value. */
const COMPLIANCE_MINIMA = { nose_visibility: 45, mouth_visibility: 45, sideL_visibility: 20, sideR_visibility: 20, top_visibility: 20, bottom_visibility: 20 } as const;
/** Spec: eyes_status is OPEN iff eyes_open_metric >= 10.0. */
const EYES_OPEN_MIN_METRIC = 10;

/** Face units per pixel of the region patch: an eye is about 11 samples wide. */
const REGION_STEP = 0.04;
/** The region patch spans forehead to below the chin and temple to temple, in face units. */
const REGION_PATCH = { left: -1.5, top: -1.3, right: 1.5, bottom: 2.2 } as const;

/** quality_metric = weighted geometric mean of these sub-scores (each 0-1, weights sum to 1). */
const QUALITY_WEIGHTS = { sharpness: 0.35, exposure: 0.25, pose: 0.2, size: 0.2 } as const;
/** A sub-score of 0 counts as this, so a single failing aspect lowers the metric a lot without zeroing it. */
const QUALITY_FLOOR = 0.05;
/** log10(1 + Laplacian variance) from blurred to crisp. */
const SHARPNESS_RAMP = [1.3, 2.6] as const;
/** Face luma standard deviation from washed-out to well-contrasted. */
const CONTRAST_RAMP = [8, 30] as const;
/** Largest pose angle (roll counted at half weight, alignment undoes it) from frontal to unusable. */
const POSE_RAMP = [45, 10] as const;
/** Inter-ocular distance in pixels from too small to enough. */
const SIZE_RAMP = [15, 40] as const;

const percent = (share: number): number => Math.round(Math.min(1, Math.max(0, share)) * 100);
const twoDecimals = (v: number): number => Math.round(v * 100) / 100;

/** Weighted geometric mean of the sub-scores, 0-100: one unusable aspect (a blurred or blown-out face) drags the whole score down. */
function overallQuality(subScores: Record<keyof typeof QUALITY_WEIGHTS, number>): number {
  const keys = Object.keys(QUALITY_WEIGHTS) as (keyof typeof QUALITY_WEIGHTS)[];
  return twoDecimals(100 * keys.reduce((product, k) => product * (QUALITY_FLOOR + (1 - QUALITY_FLOOR) * subScores[k]) ** QUALITY_WEIGHTS[k], 1));
}

export function assessQuality(inputs: QualityInputs, thresholds: Partial<QualityThresholds> = {}): QualityAssessment {
  const t = { ...DEFAULT_QUALITY_THRESHOLDS, ...thresholds };
  const { image, box, landmarks, pose } = inputs;
  const frame = faceFrame(landmarks);
  const layout = faceLayout(toFace(frame, landmarks));
  const patch = sampleFacePatch(image, frame, REGION_PATCH, REGION_STEP);
  const skin = skinReference(patch, layout);
  const visibility = (name: RegionName) => percent(regionVisibility(name, regionEvidence(patch, layout.regions[name], skin)));
  const face = facePixels(patch, layout.outline);
  // The outline can take in hair or background at the temples; those would read as shadow.
  const skinPixels = skin ? face.filter((i) => hasSkinColour(patch, i, skin)) : face;
  const exposed = exposure(patch, face);
  const sharp = sharpness(image, frame);

  const eyesOpenMetric = twoDecimals(100 * Math.min(inputs.eyesOpen.left, inputs.eyesOpen.right));
  const eyesStatus = eyesOpenMetric >= EYES_OPEN_MIN_METRIC ? 'OPEN' : 'CLOSED';
  const headPoseCheck = Math.abs(pose.yaw) <= t.maxYaw && Math.abs(pose.pitch) <= t.maxPitch && Math.abs(pose.roll) <= t.maxRoll;

  const qualityMetric = overallQuality({
    sharpness: ramp(Math.log10(1 + sharp), SHARPNESS_RAMP[0], SHARPNESS_RAMP[1]),
    exposure: Math.min(1 - exposed.over, 1 - exposed.under, ramp(exposed.contrast, CONTRAST_RAMP[0], CONTRAST_RAMP[1])),
    pose: ramp(Math.max(Math.abs(pose.yaw), Math.abs(pose.pitch), Math.abs(pose.roll) / 2), POSE_RAMP[0], POSE_RAMP[1]),
    size: ramp(frame.iod, SIZE_RAMP[0], SIZE_RAMP[1]),
  });

  const eyeL = visibility('eyeL');
  const eyeR = visibility('eyeR');
  const glare = glareShare(patch, [layout.regions.eyeL, layout.regions.eyeR]);
  const icaoWithoutVerdict = {
    multiple_faces: inputs.faceCount > 1,
    eyes_full_visibility: eyesStatus === 'OPEN' && eyeL >= t.minEyeVisibility && eyeR >= t.minEyeVisibility && glare <= t.maxEyeGlare,
    background_continuity: percent(backgroundContinuity(image, box)),
    illumination_uniformity: percent(illuminationUniformity(patch, skinPixels, layout.cheeks)),
    over_exposure: percent(exposed.over),
    under_exposure: percent(exposed.under),
    nose_visibility: visibility('nose'),
    mouth_visibility: visibility('mouth'),
    top_visibility: visibility('top'),
    bottom_visibility: visibility('bottom'),
    eyeL_visibility: eyeL,
    eyeR_visibility: eyeR,
    sideL_visibility: visibility('sideL'),
    sideR_visibility: visibility('sideR'),
  };
  const isCompliant =
    icaoWithoutVerdict.eyes_full_visibility &&
    !icaoWithoutVerdict.multiple_faces &&
    (Object.keys(COMPLIANCE_MINIMA) as (keyof typeof COMPLIANCE_MINIMA)[]).every((k) => icaoWithoutVerdict[k] > COMPLIANCE_MINIMA[k]);

  return {
    quality: {
      eyes_status: eyesStatus,
      eyes_open_metric: eyesOpenMetric,
      head_pose_check: headPoseCheck,
      quality_metric: qualityMetric,
      qc_passed: qualityMetric >= t.qcPassedMinQuality,
    },
    icao: { ...icaoWithoutVerdict, is_compliant: isCompliant },
    measurements: {
      interOcularDistance: frame.iod,
      sharpness: sharp,
      brightness: exposed.brightness,
      contrast: exposed.contrast,
      yaw: pose.yaw,
      pitch: pose.pitch,
      roll: pose.roll,
      faceWidthRatio: image.width > 0 ? (box.x2 - box.x1) / image.width : 0,
    },
  };
}

/**
 * generateTemplateFromImage's quality gate: null when `mode` accepts the face,
 * else the spec's ERROR_POOR_ICAO_QUALITY reason. Pose, size and overall
 * quality are checked before occlusion because the visibility heuristics read
 * a turned, tiny, blurred or blown-out face as hidden: the reason given is
 * the cause, not its symptom. Multiple faces is the caller's check
 * (ERROR_MULTIPLE_FACES).
 */
export function qualityModeRejection(a: QualityAssessment, mode: QualityMode, thresholds: Partial<QualityThresholds> = {}): string | null {
  if (mode === 'DISABLED') return null;
  const t = { ...DEFAULT_QUALITY_THRESHOLDS, ...thresholds };
  const enrol = mode === 'ENROL';
  if (enrol && !a.quality.head_pose_check) return 'non-compliant head pose';
  if (a.measurements.interOcularDistance < (enrol ? t.enrolMinInterOcular : t.verifyMinInterOcular)) return 'Inter ocular distance too small';
  if (a.quality.quality_metric < (enrol ? t.enrolMinQuality : t.verifyMinQuality)) return 'Non-compliant quality';
  // ENROL asks for eyes, nose and mouth fully visible; closed eyes or dark glasses hide the eyes as surely as a hand.
  const occluded =
    !a.icao.eyes_full_visibility || a.icao.nose_visibility <= COMPLIANCE_MINIMA.nose_visibility || a.icao.mouth_visibility <= COMPLIANCE_MINIMA.mouth_visibility;
  if (enrol && occluded) return 'Face partially occluded';
  return null;
}
