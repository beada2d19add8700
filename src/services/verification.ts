/**
 * The spec 002 engine endpoints as plain functions: /process, the match
 * endpoints, verifyWithPictureId, generateTemplateFromImage and the liveness
 * endpoints. They return the spec's response bodies; HTTP concerns stay in
 * the routes.
 */
import type { KeyObject } from 'node:crypto';
import { parseMatchLevel, type MatchMode } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import { LIVENESS_LEVELS, parseLivenessLevel, type LivenessLevel } from '../core/liveness.js';
import type { QualityMode } from '../core/quality.js';
import { encodeTemplate } from '../core/template.js';
import { encryptTemplate } from '../crypto/template-encryption.js';
import type { ServerKeys } from '../crypto/server-keys.js';
import type { ImageAnalysis } from '../engine/analyzer.js';
import type { FaceEngine } from '../engine/engine.js';
import { passiveOutcome, type LivenessOutcome } from '../core/active-liveness/levels.js';
import { b64, checkImageFormat, decodeBase64Field, openCapture, type Capture } from './inputs.js';
import { captureLiveness, type LivenessDeps } from './liveness.js';

export interface VerificationDeps extends LivenessDeps {
  engine: FaceEngine;
  keys: ServerKeys;
  defaultLivenessLevel: LivenessLevel;
  /** Set when TEMPLATE_ENCRYPTION_ENABLED: templates leave the server only encrypted with it. */
  templateEncryptionKey?: KeyObject;
}

const FORMAT_NAMES: Record<string, string> = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WEBP', jpeg: 'JPEG', png: 'PNG', webp: 'WEBP' };

function templatesBlock(deps: VerificationDeps, templates: Record<string, Uint8Array>) {
  const key = deps.templateEncryptionKey;
  if (!key) return { templates: Object.fromEntries(Object.entries(templates).map(([k, v]) => [k, b64(v)])) };
  return { encrypted_templates: Object.fromEntries(Object.entries(templates).map(([k, v]) => [k, encryptTemplate(v, key)])) };
}

/**
 * The request's level, else the server default. A level the capture's own metadata asks for
 * (the SDK's asThreshold) can only raise the default: the person's browser must not lower it.
 */
function requestedLivenessLevel(deps: VerificationDeps, requested: unknown, fromCapture?: unknown): LivenessLevel {
  if (requested !== undefined && requested !== null && requested !== '') return parseLivenessLevel(requested);
  if (fromCapture === undefined) return deps.defaultLivenessLevel;
  const asked = parseLivenessLevel(fromCapture);
  return LIVENESS_LEVELS.indexOf(asked) > LIVENESS_LEVELS.indexOf(deps.defaultLivenessLevel) ? asked : deps.defaultLivenessLevel;
}

function imageData(analysis: ImageAnalysis) {
  return { bits_per_pixel: 8, width: analysis.width, height: analysis.height, channels: 3, resolution: `${analysis.width}x${analysis.height}x3` };
}

/** The spec's spoof response (FEEDBACK_RETRY, code 401 in an HTTP 400); `liveness` says which check failed. */
function spoofBody(refid: string, capture: Capture, liveness: LivenessOutcome, qualityPassed: boolean | undefined) {
  return {
    code: 401,
    message: 'FEEDBACK_RETRY',
    refid,
    description: `The capture did not pass liveness: ${liveness.message}.`,
    data: { image: b64(capture.image) },
    ...(qualityPassed === undefined ? {} : { quality: qualityPassed }),
    liveness,
    debug: { spoof_score: [liveness.score] },
  };
}

export async function processCapture(deps: VerificationDeps, input: { file: Uint8Array; enableQuality: boolean; level?: unknown }, refid: string) {
  const capture = openCapture(input.file, deps.keys);
  const level = requestedLivenessLevel(deps, input.level, capture.metadata.asThreshold);
  const { template, livenessScore, analysis } = await deps.engine.liveTemplate(capture.image, '/file', { quality: input.enableQuality });
  const primary = analysis.primary!;
  const liveness = await captureLiveness(deps, capture, { template: template.vector, passiveScore: livenessScore }, level);
  if (!liveness.passed) return { httpStatus: 400, body: spoofBody(refid, capture, liveness, primary.quality?.quality.qc_passed), liveness, analysis };
  const formatName = FORMAT_NAMES[capture.mime ?? analysis.format] ?? 'JPEG';
  const body = {
    refid,
    code: 200,
    message: 'FEEDBACK_CAPTURED',
    upload_ts: Date.now() - capture.capturedAt,
    data: {
      ...imageData(analysis),
      capture_date: new Date(capture.capturedAt).toISOString(),
      as_highest_security_level_reached: liveness.as_highest_security_level_reached,
      spoof_score: [liveness.score],
      liveness,
      multiple_faces: analysis.multipleFaces,
      ...(primary.quality ? { quality: primary.quality.quality } : {}),
      ...templatesBlock(deps, { [formatName]: capture.image, FACEGATE_TEMPLATE: encodeTemplate(template) }),
    },
    ...(primary.quality ? { icao_data: primary.quality.icao } : {}),
  };
  return { httpStatus: 200, body, liveness, analysis };
}

interface ImageField { template?: unknown; format?: unknown }

export async function matchImages(deps: VerificationDeps, input: { image?: ImageField; imageToVerifyAgainst?: ImageField; level?: unknown }, mode: MatchMode, refid: string) {
  const level = parseMatchLevel(input.level);
  checkImageFormat(input.image?.format, '/image/format');
  checkImageFormat(input.imageToVerifyAgainst?.format, '/imageToVerifyAgainst/format');
  const image = decodeBase64Field(input.image?.template, '/image/template');
  const against = decodeBase64Field(input.imageToVerifyAgainst?.template, '/imageToVerifyAgainst/template');
  const result = await deps.engine.compare(image, against, { mode, level });
  return { code: 200, feedbackCode: 'FEEDBACK_MATCHED', refid, ...result };
}

export async function verifyWithPictureId(deps: VerificationDeps, input: { file: Uint8Array; picID: unknown; template?: unknown; level: unknown; livenessLevel?: unknown }, refid: string) {
  const matchLevel = parseMatchLevel(input.level);
  checkImageFormat(input.template, '/template');
  const picture = decodeBase64Field(input.picID, '/picID');
  const capture = openCapture(input.file, deps.keys);
  const livenessLevel = requestedLivenessLevel(deps, input.livenessLevel, capture.metadata.asThreshold);
  const [selfie, pictureId] = await Promise.all([deps.engine.liveTemplate(capture.image, '/file'), deps.engine.template(picture, 'picID')]);
  const liveness = await captureLiveness(deps, capture, { template: selfie.template.vector, passiveScore: selfie.livenessScore }, livenessLevel);
  if (!liveness.passed) return { httpStatus: 400, body: spoofBody(refid, capture, liveness, undefined), liveness };
  const decision = deps.engine.compareTemplates(selfie.template, pictureId.template, 'picture-id', matchLevel);
  return {
    httpStatus: 200,
    body: { code: 200, feedbackCode: 'FEEDBACK_MATCHED', refid, ...decision, multipleFacesImage: selfie.analysis.multipleFaces, multipleFacesImageToVerifyAgainst: pictureId.analysis.multipleFaces, liveness },
    liveness,
    decision,
  };
}

export async function generateTemplateFromImage(deps: VerificationDeps, input: { image: unknown; qualityMode?: unknown }, refid: string) {
  const mode = (typeof input.qualityMode === 'string' ? input.qualityMode.toUpperCase() : input.qualityMode ?? 'ENROL') as QualityMode;
  if (!['ENROL', 'VERIFY', 'DISABLED'].includes(mode)) throw new FacegateError('ERROR_INVALID_JSON', `(/qualityMode) must be ENROL, VERIFY or DISABLED, got ${JSON.stringify(input.qualityMode)}`);
  const image = decodeBase64Field(input.image, '/image');
  const { template, analysis, assessment } = await deps.engine.gatedTemplate(image, mode);
  return {
    code: 200,
    feedbackCode: 'FEEDBACK_GENERATED',
    refid,
    modelId: template.modelId,
    data: { ...imageData(analysis), ...templatesBlock(deps, { FACEGATE_TYPE_1: encodeTemplate(template) }) },
    ...(assessment ? { icao_data: assessment.icao } : {}),
  };
}

/**
 * /face/as (a third party's still: passive only), /secure/face/as and the context
 * liveness endpoints (captures, which may answer an active challenge).
 * `echoImage` (default true, as spec 002's face/as answers): whether `input.image` carries the capture back in base64.
 */
export async function livenessCheck(deps: VerificationDeps, input: { image: Uint8Array; threshold?: unknown; secure: boolean; passiveOnly?: boolean; echoImage?: boolean }, refid: string) {
  const capture = openCapture(input.image, deps.keys, { requireEncrypted: input.secure });
  const level = requestedLivenessLevel(deps, input.threshold, capture.metadata.asThreshold);
  const { analysis, outcome } = input.passiveOnly
    ? await deps.engine.liveness(capture.image, level).then(({ analysis: a, ...decision }) => ({ analysis: a, outcome: passiveOutcome(decision, level) }))
    : await deps.engine.liveTemplate(capture.image, '/image').then(async (live) => ({
        analysis: live.analysis,
        outcome: await captureLiveness(deps, capture, { template: live.template.vector, passiveScore: live.livenessScore }, level),
      }));
  return {
    body: {
      as_highest_security_level_reached: outcome.as_highest_security_level_reached,
      is_spoof: !outcome.live,
      score: outcome.score,
      threshold: level,
      multipleFaces: analysis.multipleFaces,
      liveness: outcome,
      error: 0,
      refid,
      input: input.echoImage === false ? {} : { image: b64(capture.image) },
    },
    result: outcome,
  };
}
