/**
 * Spec 001 dossiers and processes (provider "facegate"): a reference photo,
 * a liveness capture (hosted page or upload), a verification that accepts only
 * when both liveness and the face match pass, and the full result as a zip
 * whose manifest the server signs.
 */
import { createHash, randomUUID, sign } from 'node:crypto';
import { parseMatchLevel } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import { passiveOutcome, type LivenessOutcome } from '../core/active-liveness/levels.js';
import type { LivenessLevel } from '../core/liveness.js';
import { createZip } from '../core/zip.js';
import type { ServerKeys } from '../crypto/server-keys.js';
import { sniffFormat } from '../engine/decode.js';
import type { ImageAnalysis } from '../engine/analyzer.js';
import type { FaceEngine } from '../engine/engine.js';
import type { Store } from '../store/types.js';
import type { Dossier, VerificationProcess } from '../store/verification-types.js';

export interface DossierDeps {
  engine: FaceEngine;
  store: Store;
  keys: ServerKeys;
  livenessLevel: LivenessLevel;
}

/** ID-document portraits are compared on the picture-id scale (spec 002) at HIGH: FAR 1:1,000. */
const PROCESS_MATCH_LEVEL = 'HIGH';

export async function requireDossier(store: Store, clientId: string, dossierId: string): Promise<Dossier> {
  const dossier = await store.getDossier(dossierId);
  if (!dossier || dossier.clientId !== clientId) throw new FacegateError('ERROR_NOT_FOUND', `no dossier ${dossierId} for this client`);
  return dossier;
}

export async function requireProcess(store: Store, clientId: string, dossierId: string, processId: string): Promise<VerificationProcess> {
  await requireDossier(store, clientId, dossierId);
  const process = await store.getProcess(processId);
  if (!process || process.dossierId !== dossierId) throw new FacegateError('ERROR_NOT_FOUND', `no process ${processId} in dossier ${dossierId}`);
  return process;
}

export function processJson(p: VerificationProcess) {
  return {
    processId: p.id,
    dossierId: p.dossierId,
    provider: p.provider,
    status: p.status,
    hasReferenceImage: p.referenceImage !== null,
    hasLivenessCapture: p.livenessImage !== null,
    result: p.result,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export async function createProcess(deps: DossierDeps, dossier: Dossier, now: Date): Promise<VerificationProcess> {
  return deps.store.createProcess({ id: randomUUID(), dossierId: dossier.id, provider: 'facegate', status: 'pending', referenceImage: null, livenessImage: null, result: null, createdAt: now });
}

/** Refuses images without exactly one usable face now rather than at verification. */
function assertOneFace(analysis: ImageAnalysis, which: string): void {
  if (analysis.faces.length === 0) throw new FacegateError('ERROR_INVALID_IMAGE', `(${which}) No face detected`);
  if (analysis.multipleFaces) throw new FacegateError('ERROR_MULTIPLE_FACES', `(${which}) Multiple faces detected`);
}

async function checkedFaceImage(deps: DossierDeps, image: Uint8Array, which: string): Promise<Uint8Array> {
  assertOneFace(await deps.engine.analyze(image, {}), which);
  return image;
}

function assertOpen(process: VerificationProcess): void {
  if (process.status !== 'pending') throw new FacegateError('ERROR_INVALID_ARGUMENT', `process ${process.id} is ${process.status}; create a new process to verify again`);
}

export async function setReferenceImage(deps: DossierDeps, process: VerificationProcess, image: Uint8Array, now: Date): Promise<VerificationProcess> {
  assertOpen(process);
  return (await deps.store.updateProcess(process.id, { referenceImage: await checkedFaceImage(deps, image, '/image') }, now))!;
}

/** An uploaded capture is checked passively at verification; it replaces a page capture and the liveness outcome that came with it. */
export async function setLivenessCapture(deps: DossierDeps, process: VerificationProcess, image: Uint8Array, now: Date): Promise<VerificationProcess> {
  assertOpen(process);
  return (await deps.store.updateProcess(process.id, { livenessImage: await checkedFaceImage(deps, image, '/capture'), result: null }, now))!;
}

/** The liveness the capture page decided, kept with the capture until verification. */
interface PageCaptureResult {
  capturedLiveness: LivenessOutcome;
}

const pageLiveness = (process: VerificationProcess): LivenessOutcome | null => (process.result as Partial<PageCaptureResult> | null)?.capturedLiveness ?? null;

/**
 * The capture page's way in, with the analysis it already made: the same rules as
 * POST …/capture, so a page left open cannot replace the image of a verified process.
 */
export async function acceptPageCapture(deps: Pick<DossierDeps, 'store'>, processId: string, image: Uint8Array, analysis: ImageAnalysis, liveness: LivenessOutcome, now: Date): Promise<void> {
  const process = await deps.store.getProcess(processId);
  if (!process) throw new FacegateError('ERROR_NOT_FOUND', `process ${processId} no longer exists`);
  assertOpen(process);
  assertOneFace(analysis, 'capture');
  const result: PageCaptureResult & Record<string, unknown> = { capturedLiveness: liveness };
  await deps.store.updateProcess(process.id, { livenessImage: image, result }, now);
}

export async function verifyProcess(deps: DossierDeps, process: VerificationProcess, now: Date): Promise<VerificationProcess> {
  assertOpen(process);
  if (!process.referenceImage || !process.livenessImage) {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `process ${process.id} needs ${!process.referenceImage ? 'a reference image (PUT …/image)' : 'a liveness capture (the capture page or POST …/capture)'} before verification`);
  }
  await deps.store.updateProcess(process.id, { status: 'processing' }, now);
  const decided = pageLiveness(process);
  const level = deps.livenessLevel;
  // The capture page decided liveness already; an uploaded capture is scored passively here.
  const [live, reference] = await Promise.all([
    decided
      ? deps.engine.template(process.livenessImage, 'liveness capture').then((t) => ({ ...t, liveness: decided }))
      : deps.engine.liveTemplate(process.livenessImage, 'liveness capture').then((t) => ({ ...t, liveness: passiveOutcome(deps.engine.livenessDecision(t.livenessScore, level), level) })),
    deps.engine.template(process.referenceImage, 'reference image'),
  ]);
  const liveness = live.liveness;
  const match = deps.engine.compareTemplates(live.template, reference.template, 'picture-id', parseMatchLevel(PROCESS_MATCH_LEVEL));
  const accepted = liveness.passed && match.possibleMatch;
  const result = {
    accepted,
    liveness,
    match: { ...match, mode: 'picture-id', level: PROCESS_MATCH_LEVEL },
    modelId: deps.engine.modelId,
    modelPack: `${deps.engine.pack.manifest.id}@${deps.engine.pack.manifest.version}`,
    verifiedAt: now.toISOString(),
  };
  return (await deps.store.updateProcess(process.id, { status: accepted ? 'accepted' : 'rejected', result }, now))!;
}

const extension = (image: Uint8Array) => sniffFormat(image) ?? 'bin';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** result.json, the images, manifest.json (sha256 of each file) and manifest.sig (Ed25519 over manifest.json, key at /api/v1/pub_key). */
export function resultZip(deps: Pick<DossierDeps, 'keys'>, dossier: Dossier, process: VerificationProcess): Uint8Array {
  if (process.status !== 'accepted' && process.status !== 'rejected') throw new FacegateError('ERROR_INVALID_ARGUMENT', `process ${process.id} is ${process.status}: verify it first`);
  const files = [
    { name: 'result.json', data: Buffer.from(JSON.stringify({ dossier: { id: dossier.id, metadata: dossier.metadata, createdAt: dossier.createdAt.toISOString() }, process: processJson(process) }, null, 2)) },
    ...(process.referenceImage ? [{ name: `reference.${extension(process.referenceImage)}`, data: process.referenceImage }] : []),
    ...(process.livenessImage ? [{ name: `liveness.${extension(process.livenessImage)}`, data: process.livenessImage }] : []),
  ];
  const manifest = Buffer.from(JSON.stringify({ processId: process.id, dossierId: dossier.id, createdAt: new Date().toISOString(), signature: 'Ed25519 over manifest.json; public key: signingKeyPem at /api/v1/pub_key', files: files.map((f) => ({ name: f.name, bytes: f.data.length, sha256: sha256(f.data) })) }, null, 2));
  const signature = Buffer.from(sign(null, manifest, deps.keys.signingPrivateKey).toString('base64'));
  return createZip([...files, { name: 'manifest.json', data: manifest }, { name: 'manifest.sig', data: signature }]);
}
