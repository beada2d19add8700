/**
 * The state machines of person-facing verifications:
 * - facemap authentication transactions (spec 003): PENDING until the person
 *   completes capture, then PASSED, FAILED, INVALID or EXPIRED (final);
 * - capture sessions (spec 004): created → in_progress → completed | failed,
 *   or expired.
 * Pure: callers pass the clock and what the capture showed.
 */
export const AUTH_FINAL_STATES = ['PASSED', 'FAILED', 'INVALID', 'EXPIRED'] as const;
export type AuthFinalState = (typeof AUTH_FINAL_STATES)[number];
export type AuthState = 'PENDING' | AuthFinalState;

/** Spec 003: a transaction lives at most 15 minutes. */
export const MAX_AUTH_LIFETIME_MINUTES = 15;

export function authLifetimeMinutes(requested: unknown): number {
  if (requested === undefined || requested === null || requested === '') return MAX_AUTH_LIFETIME_MINUTES;
  const minutes = Number(requested);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_AUTH_LIFETIME_MINUTES) {
    throw new RangeError(`tokenLifetimeInMinutes must be an integer from 1 to ${MAX_AUTH_LIFETIME_MINUTES}`);
  }
  return minutes;
}

export interface AuthTransactionView {
  state: AuthState;
  expiresAt: Date;
  /** A newer transaction for the same enrollment reference exists (spec 003: only the newest can complete). */
  superseded: boolean;
}

/** The state to report now: an open transaction past its expiry or superseded is EXPIRED. */
export function currentAuthState(tx: AuthTransactionView, now: Date): AuthState {
  if (tx.state !== 'PENDING') return tx.state;
  return tx.superseded || now.getTime() >= tx.expiresAt.getTime() ? 'EXPIRED' : 'PENDING';
}

export interface CaptureOutcome {
  /** A single usable face was found in the capture. */
  faceFound: boolean;
  livenessPassed: boolean;
  matchPassed: boolean;
}

/** Final state of a transaction completed now with this capture. */
export function completeAuthentication(tx: AuthTransactionView, outcome: CaptureOutcome, now: Date): AuthFinalState {
  const current = currentAuthState(tx, now);
  if (current !== 'PENDING') return current;
  if (!outcome.faceFound) return 'INVALID';
  return outcome.livenessPassed && outcome.matchPassed ? 'PASSED' : 'FAILED';
}

export type SessionState = 'created' | 'in_progress' | 'completed' | 'failed' | 'expired';
const SESSION_FINAL: readonly SessionState[] = ['completed', 'failed', 'expired'];

export function currentSessionState(session: { state: SessionState; expiresAt: Date }, now: Date): SessionState {
  if (SESSION_FINAL.includes(session.state)) return session.state;
  return now.getTime() >= session.expiresAt.getTime() ? 'expired' : session.state;
}

/** Opening the capture page or sending a frame moves a created session on; final states never change. */
export function startSession(session: { state: SessionState; expiresAt: Date }, now: Date): SessionState {
  const current = currentSessionState(session, now);
  return current === 'created' ? 'in_progress' : current;
}

export function finishSession(session: { state: SessionState; expiresAt: Date }, passed: boolean, now: Date): SessionState {
  const current = currentSessionState(session, now);
  if (SESSION_FINAL.includes(current)) return current;
  return passed ? 'completed' : 'failed';
}
