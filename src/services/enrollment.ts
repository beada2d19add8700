/**
 * Spec 000 flows over galleries: enroll, update, delete, identify (1:1 against
 * an enrolled user), search (1:N), photo retrieval and the automatic refresh of
 * users migrated through the Backoffice.
 */
import { levelThreshold, parseMatchLevel, reachesLevel, similarityScore, highestLevelReached, type MatchLevel } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import type { LivenessOutcome } from '../core/active-liveness/levels.js';
import { parseLivenessLevel } from '../core/liveness.js';
import { qualityModeRejection } from '../core/quality.js';
import { decodeTemplate, encodeTemplate, type FaceTemplate } from '../core/template.js';
import { sealFacemap } from '../crypto/facemap.js';
import type { ServerKeys } from '../crypto/server-keys.js';
import type { ImageAnalysis } from '../engine/analyzer.js';
import type { FaceEngine } from '../engine/engine.js';
import { StoreConflictError, type Context, type Gallery, type Store } from '../store/types.js';
import type { GalleryIndexes } from './gallery-indexes.js';
import { requireGallery } from './galleries.js';
import { b64, openCapture, type Capture } from './inputs.js';
import { captureLiveness, type LivenessDeps } from './liveness.js';

export interface EnrollmentDeps extends LivenessDeps {
  engine: FaceEngine;
  store: Store;
  indexes: GalleryIndexes;
  keys: ServerKeys;
}

/** What the transaction log records about a call. */
export interface CallFacts {
  galleryName?: string;
  userId?: string;
  similarityScore?: number;
  livenessScore?: number;
  matchLevelReached?: string;
  livenessLevelReached?: string | null;
}

interface ProbeInput { context: Context; galleryName: unknown; image: Uint8Array; returnPhoto?: boolean }

interface Probe {
  gallery: Gallery;
  capture: Capture;
  analysis: ImageAnalysis;
  template: FaceTemplate;
  liveness: LivenessOutcome | null;
}


function requireUserId(value: unknown): string {
  if (typeof value !== 'string' || !/^[^\s].{0,254}$/.test(value)) throw new FacegateError('ERROR_INVALID_JSON', '(/userId) is required: 1-255 characters, not starting with a space');
  return value;
}

/**
 * Decodes the capture, templates its face and, in the SDK context where the
 * gallery asks for it, checks liveness. Several faces or poor quality (VERIFY
 * rules) are refused: a template must belong to one clear face.
 */
/** `loaded`: the gallery when the caller has read it already. */
async function probe(deps: EnrollmentDeps, input: ProbeInput, checkLiveness: boolean, loaded?: Gallery): Promise<Probe> {
  const gallery = loaded ?? (await requireGallery(deps.store, input.galleryName));
  const capture = openCapture(input.image, deps.keys);
  const livenessLevel = checkLiveness ? gallery.livenessLevel : null;
  const analysis = await deps.engine.analyze(capture.image, { template: true, liveness: livenessLevel !== null, quality: true });
  const primary = analysis.primary;
  if (!primary?.template) throw new FacegateError('ERROR_INVALID_IMAGE', '(/image) No face detected');
  if (analysis.multipleFaces) throw new FacegateError('ERROR_MULTIPLE_FACES', '(/image) Multiple faces detected: send a photo of one person');
  const rejection = primary.quality ? qualityModeRejection(primary.quality, 'VERIFY') : null;
  if (rejection) throw new FacegateError('ERROR_POOR_ICAO_QUALITY', rejection);
  const liveness =
    livenessLevel !== null && primary.liveness !== undefined
      ? await captureLiveness(deps, capture, { template: primary.template, passiveScore: primary.liveness }, parseLivenessLevel(livenessLevel))
      : null;
  return { gallery, capture, analysis, template: { modelId: deps.engine.modelId, vector: primary.template }, liveness };
}

/** Spec 000: SDK responses carry the photo when the gallery keeps none or the caller asks; Backoffice responses never do. */
function photoField(context: Context, gallery: Gallery, capture: Capture, returnPhoto: boolean | undefined) {
  return context === 'sdk' && (!gallery.savePhoto || returnPhoto) ? { photo: b64(capture.image) } : {};
}

function livenessField(liveness: LivenessOutcome | null) {
  return liveness ? { liveness } : {};
}

function spoofRefusal(liveness: LivenessOutcome): FacegateError {
  return new FacegateError('ERROR_LIVENESS_FAILED', `The capture did not pass the liveness check (${liveness.message}): retake it facing the camera in good light`, {
    score: liveness.score,
    as_highest_security_level_reached: liveness.as_highest_security_level_reached,
    method: liveness.method,
    reason: liveness.reason,
  });
}

function storedRecord(p: Probe, userId: string, migratedPending: boolean) {
  return {
    galleryName: p.gallery.name,
    userId,
    modelId: p.template.modelId,
    template: encodeTemplate(p.template),
    photo: p.gallery.savePhoto ? p.capture.image : null,
    photoMime: p.gallery.savePhoto ? (p.capture.mime ?? `image/${p.analysis.format}`) : null,
    migratedPending,
  };
}

/** The reference a facemap of this enrollment carries (spec 003 `enrollmentTransactionReference`). */
const enrollmentReference = (gallery: string, userId: string): string => `${gallery}/${userId}`;

export function issueFacemap(deps: Pick<EnrollmentDeps, 'keys'>, gallery: string, userId: string, template: Uint8Array) {
  const reference = enrollmentReference(gallery, userId);
  const facemap = sealFacemap({ enrollmentReference: reference, issuedAt: Date.now(), template }, deps.keys.facemapKey);
  return { facemap: Buffer.from(facemap).toString('base64'), enrollmentTransactionReference: reference };
}

function refuseWithoutTemplates(gallery: Gallery): void {
  if (!gallery.keepTemplates) {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `gallery "${gallery.name}" keeps no templates: authenticate with the person's facemap (POST /api/authentication/v1/facemap/initiate)`);
  }
}

export async function enroll(deps: EnrollmentDeps, input: ProbeInput & { userId: unknown }, facts: CallFacts) {
  const userId = requireUserId(input.userId);
  const p = await probe(deps, input, input.context === 'sdk');
  Object.assign(facts, { galleryName: p.gallery.name, userId, livenessScore: p.liveness?.score, livenessLevelReached: p.liveness?.as_highest_security_level_reached });
  if (p.liveness && !p.liveness.passed) throw spoofRefusal(p.liveness);
  if (!p.gallery.keepTemplates) {
    // The client holds the enrollment: nothing biometric is stored, the facemap is the only copy.
    return { success: true, gallery: p.gallery.name, userId, stored: false, ...issueFacemap(deps, p.gallery.name, userId, encodeTemplate(p.template)), quality: p.analysis.primary?.quality?.quality, ...livenessField(p.liveness), ...photoField(input.context, p.gallery, p.capture, input.returnPhoto) };
  }
  try {
    // Backoffice enrollments come from legacy databases (spec 000): refreshed after the first live SDK identification.
    await deps.store.insertEnrollment(storedRecord(p, userId, input.context === 'backoffice'));
  } catch (err) {
    if (err instanceof StoreConflictError) throw new FacegateError('ERROR_ALREADY_ENROLLED', `user "${userId}" is already enrolled in gallery "${p.gallery.name}"; update the enrollment instead`);
    throw err;
  }
  deps.indexes.get(p.gallery.name).add(userId, p.template.vector);
  return { success: true, gallery: p.gallery.name, userId, quality: p.analysis.primary?.quality?.quality, ...livenessField(p.liveness), ...photoField(input.context, p.gallery, p.capture, input.returnPhoto) };
}

export async function updateEnrollment(deps: EnrollmentDeps, input: ProbeInput & { userId: unknown }, facts: CallFacts) {
  const userId = requireUserId(input.userId);
  const p = await probe(deps, input, false);
  Object.assign(facts, { galleryName: p.gallery.name, userId });
  const updated = await deps.store.replaceEnrollment(storedRecord(p, userId, true));
  if (!updated) throw new FacegateError('ERROR_USER_NOT_FOUND', `user "${userId}" is not enrolled in gallery "${p.gallery.name}"`);
  deps.indexes.get(p.gallery.name).add(userId, p.template.vector);
  return { success: true, gallery: p.gallery.name, userId, updatedAt: updated.updatedAt.toISOString() };
}

export async function deleteEnrollment(deps: EnrollmentDeps, input: { galleryName: unknown; userId: unknown }, facts: CallFacts) {
  const gallery = await requireGallery(deps.store, input.galleryName);
  const userId = requireUserId(input.userId);
  Object.assign(facts, { galleryName: gallery.name, userId });
  if (!(await deps.store.deleteEnrollment(gallery.name, userId))) throw new FacegateError('ERROR_USER_NOT_FOUND', `user "${userId}" is not enrolled in gallery "${gallery.name}"`);
  deps.indexes.get(gallery.name).remove(userId);
  return { success: true, gallery: gallery.name, userId, deleted: true };
}

function matchLevelOf(value: unknown, gallery: Gallery): MatchLevel {
  return parseMatchLevel(value === undefined || value === null || value === '' ? gallery.matchLevel : value);
}

export async function identify(deps: EnrollmentDeps, input: ProbeInput & { userId: unknown; level?: unknown }, facts: CallFacts) {
  const userId = requireUserId(input.userId);
  const gallery = await requireGallery(deps.store, input.galleryName);
  refuseWithoutTemplates(gallery);
  const level = matchLevelOf(input.level, gallery);
  const enrollment = await deps.store.getEnrollmentTemplate(gallery.name, userId);
  if (!enrollment) throw new FacegateError('ERROR_USER_NOT_FOUND', `user "${userId}" is not enrolled in gallery "${gallery.name}"`);
  const p = await probe(deps, input, input.context === 'sdk', gallery);
  const decision = deps.engine.compareTemplates(p.template, decodeTemplate(enrollment.template), 'selfie', level);
  Object.assign(facts, {
    galleryName: gallery.name,
    userId,
    similarityScore: decision.similarityScore,
    matchLevelReached: decision.matchHighestSecurityLevelReached,
    livenessScore: p.liveness?.score,
    livenessLevelReached: p.liveness?.as_highest_security_level_reached,
  });
  const livePass = p.liveness?.passed ?? false;
  // From the unrounded decision: `score` is rounded to 6 digits and could disagree at the threshold.
  const galleryLevelReached = reachesLevel(decision.matchHighestSecurityLevelReached, parseMatchLevel(gallery.matchLevel));
  // Spec 000: a migrated user's photo is replaced after the first live SDK identification above the gallery's MatchLevel.
  const refresh = input.context === 'sdk' && enrollment.migratedPending && livePass && galleryLevelReached;
  if (refresh) {
    await deps.store.replaceEnrollment(storedRecord(p, userId, false));
    deps.indexes.get(gallery.name).add(userId, p.template.vector);
  }
  return {
    success: true,
    gallery: gallery.name,
    userId,
    verified: decision.possibleMatch && (p.liveness ? p.liveness.passed : true),
    match: { level, ...decision },
    ...livenessField(p.liveness),
    enrollmentUpdated: refresh,
    ...photoField(input.context, gallery, p.capture, input.returnPhoto),
  };
}

export async function search(deps: EnrollmentDeps, input: ProbeInput & { level?: unknown; limit?: unknown }, facts: CallFacts) {
  const limit = input.limit === undefined ? 5 : Number(input.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new FacegateError('ERROR_INVALID_JSON', '(/limit) must be an integer from 1 to 100');
  const gallery = await requireGallery(deps.store, input.galleryName);
  refuseWithoutTemplates(gallery);
  // Before the inference, so a gallery still loading costs the caller nothing but a retry.
  deps.indexes.searchable(gallery.name);
  const p = await probe(deps, input, input.context === 'sdk', gallery);
  const level = matchLevelOf(input.level, p.gallery);
  const table = deps.engine.calibration.match;
  const index = deps.indexes.searchable(p.gallery.name);
  const hits = index.search(p.template.vector, limit, levelThreshold(table, 'selfie', level));
  const candidates = hits.map((hit) => ({
    userId: hit.id,
    score: Number((1 - hit.score).toFixed(6)),
    similarityScore: similarityScore(hit.score, table, 'selfie'),
    matchHighestSecurityLevelReached: highestLevelReached(hit.score, table, 'selfie'),
  }));
  Object.assign(facts, { galleryName: p.gallery.name, userId: candidates[0]?.userId, similarityScore: candidates[0]?.similarityScore, livenessScore: p.liveness?.score, livenessLevelReached: p.liveness?.as_highest_security_level_reached });
  return {
    success: true,
    gallery: p.gallery.name,
    level,
    found: candidates.length > 0,
    candidates,
    gallerySize: index.size,
    ...livenessField(p.liveness),
    ...photoField(input.context, p.gallery, p.capture, input.returnPhoto),
  };
}

export async function enrollmentPhoto(deps: EnrollmentDeps, input: { galleryName: unknown; userId: unknown }, facts: CallFacts) {
  const gallery = await requireGallery(deps.store, input.galleryName);
  const userId = requireUserId(input.userId);
  Object.assign(facts, { galleryName: gallery.name, userId });
  const enrollment = await deps.store.getEnrollment(gallery.name, userId);
  if (!enrollment) throw new FacegateError('ERROR_USER_NOT_FOUND', `user "${userId}" is not enrolled in gallery "${gallery.name}"`);
  if (!enrollment.photo) throw new FacegateError('ERROR_PHOTO_NOT_AVAILABLE', `gallery "${gallery.name}" does not keep photos (savePhoto false)`);
  return { gallery: gallery.name, userId, mime: enrollment.photoMime, photo: b64(enrollment.photo), updatedAt: enrollment.updatedAt.toISOString() };
}
