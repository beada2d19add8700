/**
 * The liveness decision every flow shares: a capture that answers an active
 * challenge is verified against it (and uses it up); any other capture is
 * checked passively, which reaches at most MODERATE (src/core/active-liveness/levels.ts).
 */
import { activeOutcome, passiveOutcome, type LivenessOutcome } from '../core/active-liveness/levels.js';
import type { LivenessLevel } from '../core/liveness.js';
import type { FaceEngine } from '../engine/engine.js';
import type { Capture } from './inputs.js';
import type { ChallengePurpose, LivenessChallenges } from './liveness-challenges.js';

export interface LivenessDeps {
  engine: FaceEngine;
  challenges: LivenessChallenges;
}

/** Challenges made with an API key (POST /api/v1/liveness/challenges) may be answered on any API endpoint. */
export const API_PURPOSE: ChallengePurpose = { kind: 'api', ref: null };

export async function captureLiveness(
  deps: LivenessDeps,
  capture: Capture,
  face: { template: Float32Array; passiveScore: number },
  level: LivenessLevel,
  purpose: ChallengePurpose = API_PURPOSE,
): Promise<LivenessOutcome> {
  const passive = deps.engine.livenessDecision(face.passiveScore, level);
  if (!capture.challenge) return passiveOutcome(passive, level);
  const verdict = await deps.challenges.consume(capture.challenge, purpose, { frontalTemplate: face.template, passiveScore: face.passiveScore, keyFrames: capture.keyFrames });
  return activeOutcome(verdict, passive, level);
}
