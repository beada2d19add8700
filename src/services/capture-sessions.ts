/**
 * Capture sessions: a short-lived page token that lets a person complete a
 * capture on the hosted page (spec 004 sessions; spec 003 authentication
 * transactions use the same page). Completing runs liveness and, where there
 * is a reference, a 1:1 match; the outcome is stored, shown to the person in
 * plain words and sent to the client's callback.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseMatchLevel, type MatchDecision } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import type { LivenessLevel } from '../core/liveness.js';
import { decodeTemplate, type FaceTemplate } from '../core/template.js';
import { completeAuthentication, currentAuthState, currentSessionState, finishSession, startSession } from '../core/verification-states.js';
import { openFacemap } from '../crypto/facemap.js';
import type { ServerKeys } from '../crypto/server-keys.js';
import type { ImageAnalysis } from '../engine/analyzer.js';
import type { FaceEngine } from '../engine/engine.js';
import type { Store } from '../store/types.js';
import type { CaptureKind, CaptureSession, VerificationClient } from '../store/verification-types.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { acceptPageCapture } from './dossiers.js';
import { openCapture } from './inputs.js';
import { captureLiveness, type LivenessDeps } from './liveness.js';
import type { ChallengePurpose, IssuedChallenge } from './liveness-challenges.js';

export interface SessionDeps extends LivenessDeps {
  engine: FaceEngine;
  store: Store;
  keys: ServerKeys;
  webhooks: WebhookDispatcher;
  /** The capture page's level (FACEGATE_CAPTURE_LIVENESS_LEVEL): from BALANCED_HIGH up the page runs an active challenge. */
  livenessLevel: LivenessLevel;
  sessionLifetimeMs: number;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function openCaptureSession(
  deps: SessionDeps,
  input: { clientId: string; kind: CaptureKind; subjectRef: string | null; country: string | null; lifetimeMs?: number },
  now: Date,
): Promise<{ session: CaptureSession; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const session = await deps.store.createCaptureSession({
    id: randomUUID(),
    clientId: input.clientId,
    tokenHash: hashToken(token),
    kind: input.kind,
    subjectRef: input.subjectRef,
    country: input.country,
    createdAt: now,
    expiresAt: new Date(now.getTime() + (input.lifetimeMs ?? deps.sessionLifetimeMs)),
  });
  return { session, token };
}

/** The session a page token opens, with its state as of now; 404 for unknown tokens. */
export async function sessionForToken(deps: Pick<SessionDeps, 'store'>, token: string, now: Date): Promise<CaptureSession> {
  const session = await deps.store.getCaptureSessionByTokenHash(hashToken(token));
  if (!session) throw new FacegateError('ERROR_NOT_FOUND', 'This capture link is not valid. Ask for a new one.');
  return { ...session, state: currentSessionState(session, now) };
}

interface Reference {
  template: FaceTemplate;
  level: string;
}

/** What the capture is compared with: the enrolled person (sessions) or the facemap (authentication). */
async function referenceFor(deps: SessionDeps, session: CaptureSession, client: VerificationClient): Promise<Reference | null> {
  if (session.kind === 'authentication') {
    const tx = await deps.store.getAuthenticationTransaction(session.subjectRef!);
    if (!tx || tx.facemap.length === 0) return null;
    const facemap = openFacemap(tx.facemap, deps.keys.facemapKey);
    return { template: decodeTemplate(facemap.template), level: 'HIGH' };
  }
  if (!client.galleryName || !session.subjectRef) return null;
  const [gallery, enrollment] = await Promise.all([deps.store.getGallery(client.galleryName), deps.store.getEnrollmentTemplate(client.galleryName, session.subjectRef)]);
  return gallery && enrollment ? { template: decodeTemplate(enrollment.template), level: gallery.matchLevel } : null;
}

/**
 * The guidance protocol (docs/capture-sdk.md) from one frame's analysis: face boxes, face
 * brightness and, as quality brings it, head pose so the SDK can say "look straight".
 */
export function guidanceAnswer(analysis: ImageAnalysis) {
  const pose = analysis.primary?.pose ?? analysis.primary?.quality?.measurements;
  return {
    faces: analysis.faces.map((f) => ({ x: f.box.x1, y: f.box.y1, width: f.box.x2 - f.box.x1, height: f.box.y2 - f.box.y1, score: f.score })),
    frameWidth: analysis.width,
    frameHeight: analysis.height,
    brightness: analysis.brightness,
    ...(pose ? { yaw: pose.yaw, pitch: pose.pitch } : {}),
  };
}

/** Lockout and single use count per session, facemap transaction or process. */
export function sessionPurpose(session: CaptureSession): ChallengePurpose {
  return { kind: session.kind, ref: session.kind === 'session' ? session.id : session.subjectRef };
}

/** A new active-liveness challenge for one capture attempt on the page; refused while the session is locked out. */
export async function openSessionChallenge(deps: SessionDeps, token: string, now: Date): Promise<IssuedChallenge> {
  const session = await sessionForToken(deps, token, now);
  if (session.state !== 'created' && session.state !== 'in_progress') throw new FacegateError('ERROR_NOT_FOUND', 'This capture link is no longer open.');
  await touchSession(deps, session, now);
  return deps.challenges.create(sessionPurpose(session), deps.livenessLevel);
}

/** Opening the page or sending a guidance frame marks the session in progress. */
export async function touchSession(deps: Pick<SessionDeps, 'store'>, session: CaptureSession, now: Date): Promise<void> {
  if (session.state === 'created' && startSession(session, now) === 'in_progress') await deps.store.updateCaptureSession(session.id, ['created'], { state: 'in_progress' });
}

export interface SubmitOutcome {
  /** `retry`: this attempt failed an active check; the session stays open for another. */
  status: CaptureSession['state'] | 'retry';
  message: string;
  redirectUrl?: string;
}

const MESSAGES = {
  completed: 'Thank you: your capture is verified. You can close this page.',
  failed: 'We could not verify you with this capture.',
  expired: 'This capture link has expired. Ask for a new one.',
  noFace: 'No face was found. Face the camera in good light and try again.',
} as const;

/** What the person can do about a failed active check, in plain words. */
const RETRY_MESSAGES: Record<string, string> = {
  fresh: 'This check took too long or was already used. Please try again.',
  sequence: 'We could not see each movement in time. Please try again and follow the arrows.',
  identity: 'Only your face should be in view during the whole check. Please try again.',
  depth: 'We could not confirm a real face in front of the camera. Please try again without a photo or screen.',
  active_required: 'This check needs the guided head movements. Reload the page and try again.',
};

export async function submitCapture(deps: SessionDeps, token: string, blob: Uint8Array, now: Date): Promise<SubmitOutcome> {
  const session = await sessionForToken(deps, token, now);
  if (session.state === 'expired' || session.state === 'completed' || session.state === 'failed') {
    return { status: session.state, message: session.state === 'expired' ? MESSAGES.expired : 'This capture was already completed.' };
  }
  const capture = openCapture(blob, deps.keys, { requireEncrypted: true });
  const analysis = await deps.engine.analyze(capture.image, { template: true, liveness: true });
  const primary = analysis.primary;
  if (!primary?.template || primary.liveness === undefined) return { status: session.state, message: MESSAGES.noFace };
  const liveness = await captureLiveness(deps, capture, { template: primary.template, passiveScore: primary.liveness }, deps.livenessLevel, sessionPurpose(session));
  // An attempt that fails an active check may be retried until the lockout; a passive failure ends the session as before.
  if (!liveness.live && (liveness.method === 'ACTIVE' || liveness.reason === 'active_required')) {
    return { status: 'retry', message: RETRY_MESSAGES[liveness.reason ?? 'fresh'] ?? MESSAGES.failed };
  }

  const client = await deps.store.getClientWithSecret(session.clientId);
  if (!client) throw new FacegateError('ERROR_UNAUTHORIZED', 'the client of this session was revoked');
  // Spec 001: a process page only collects the capture; the verification comes later and reads this liveness outcome.
  if (session.kind === 'process') {
    await acceptPageCapture(deps, session.subjectRef!, capture.image, analysis, liveness, now);
    await deps.store.updateCaptureSession(session.id, ['created', 'in_progress'], { state: 'completed', completedAt: now });
    return { status: 'completed', message: 'Thank you: your capture was received. You can close this page.' };
  }
  const reference = await referenceFor(deps, session, client);
  const probe = { modelId: deps.engine.modelId, vector: primary.template! };
  const match: (MatchDecision & { level: string }) | null = reference
    ? { level: reference.level, ...deps.engine.compareTemplates(probe, reference.template, 'selfie', parseMatchLevel(reference.level)) }
    : null;
  const passed = liveness.passed && (match ? match.possibleMatch : session.kind !== 'authentication');
  const result = {
    liveness,
    match,
    multipleFaces: analysis.multipleFaces,
  };
  const state = finishSession(session, passed, now);
  if (!(await deps.store.updateCaptureSession(session.id, ['created', 'in_progress'], { state, completedAt: now, result }))) {
    return { status: (await sessionForToken(deps, token, now)).state, message: 'This capture was already completed.' };
  }
  if (session.kind === 'authentication') return finishAuthentication(deps, client, session.subjectRef!, { passed, liveness: liveness.passed, match: match?.possibleMatch ?? false, result }, now);
  if (client.callbackUrl) {
    await deps.webhooks.enqueue({ url: client.callbackUrl, event: 'session.completed', payload: { sessionId: session.id, uniqueIdentifier: session.subjectRef, state, result }, secret: client.secret });
  }
  return { status: state, message: state === 'completed' ? MESSAGES.completed : MESSAGES.failed };
}

/**
 * Decides the transaction from its state now (a newer one may have superseded it while the
 * capture was analysed), so it is read again rather than reused from referenceFor.
 */
async function finishAuthentication(deps: SessionDeps, client: VerificationClient & { secret: string }, reference: string, outcome: { passed: boolean; liveness: boolean; match: boolean; result: Record<string, unknown> }, now: Date): Promise<SubmitOutcome> {
  const tx = await deps.store.getAuthenticationTransaction(reference);
  if (!tx) throw new FacegateError('ERROR_NOT_FOUND', 'authentication transaction not found');
  const state = completeAuthentication(tx, { faceFound: true, livenessPassed: outcome.liveness, matchPassed: outcome.match }, now);
  const finished = await deps.store.finishAuthenticationTransaction(reference, state, now, outcome.result);
  const finalState = finished ? state : currentAuthState(tx, now);
  // The session's client opened the transaction (initiate creates both for the same client).
  if (tx.callbackUrl) {
    await deps.webhooks.enqueue({ url: tx.callbackUrl, event: 'authentication.finished', payload: { authenticationTransactionReference: reference, userReference: tx.userReference, state: finalState, result: outcome.result }, secret: client.secret });
  }
  const passed = finalState === 'PASSED';
  return {
    status: passed ? 'completed' : 'failed',
    message: passed ? MESSAGES.completed : finalState === 'EXPIRED' ? 'This authentication has expired or was replaced by a newer one.' : MESSAGES.failed,
    redirectUrl: (passed ? tx.successUrl : tx.errorUrl) ?? undefined,
  };
}

