/**
 * Sends webhook deliveries from the store: at least once, signed, retried
 * with exponential backoff. Every delivery is persisted before anything is
 * sent, and is leased while it is being sent, so a restart loses nothing and
 * several dispatchers (several servers on one database) never send the same
 * delivery at the same time.
 */
import { performance } from 'node:perf_hooks';
import { FacegateError } from '../core/errors.js';
import type { ClaimedWebhookDelivery, Store, WebhookAttempt, WebhookAttemptOutcome } from '../store/types.js';
import { webhookHeaders } from './signing.js';

/** Satisfied by pino and Fastify loggers. */
export interface WebhookLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface WebhookDispatcherOptions {
  /** How often to look for due deliveries when nothing wakes the dispatcher earlier; default 500. */
  pollIntervalMs?: number;
  /** Deliveries sent at once; default 4. */
  concurrency?: number;
  /** A receiver that has not answered (status line and headers) by then counts as failed; default 10 000. */
  timeoutMs?: number;
  /** Attempts before a delivery is failed for good; default 8. */
  maxAttempts?: number;
  /** Wait after failed attempt `attempt` (1-based), in ms; default defaultBackoff. */
  backoff?: (attempt: number) => number;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  log?: WebhookLogger;
}

export interface WebhookToSend {
  /** http or https; where the POST goes. */
  url: string;
  event: string;
  /** Serialised with JSON.stringify; the resulting text is the request body. */
  payload: unknown;
  /** Signs the body; the receiver verifies with the same secret. */
  secret: string;
}

/** 2 s · 2^(attempt − 1), ±20 % jitter so retries of many deliveries spread out, capped at one hour. */
export function defaultBackoff(attempt: number, random: () => number = Math.random): number {
  const jitter = 0.8 + 0.4 * random();
  return Math.round(Math.min(2000 * 2 ** (attempt - 1) * jitter, 3_600_000));
}

/**
 * Covers the send (at most timeoutMs) and recording its outcome. A lease that
 * ran out mid-send would let another dispatcher send again; one that is too
 * long only delays the retry of a delivery whose dispatcher crashed.
 */
const LEASE_MARGIN_MS = 30_000;
/** last_error is for people: a few lines, not a stack. */
const MAX_ERROR_LENGTH = 500;

const consoleLogger: WebhookLogger = {
  info: () => undefined,
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

type SendResult = Omit<WebhookAttempt, 'attempt'>;

export class WebhookDispatcher {
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly log: WebhookLogger;

  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The claim in progress; at most one at a time, so concurrency is never exceeded. */
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    options: WebhookDispatcherOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoff = options.backoff ?? defaultBackoff;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? consoleLogger;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops claiming and waits for the sends in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.pollTimer);
    await this.claiming;
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  /** Persists the delivery, then wakes the dispatcher so that it is sent at once; returns its id. */
  async enqueue(webhook: WebhookToSend): Promise<string> {
    const delivery = await this.store.enqueueWebhookDelivery({
      url: checkedUrl(webhook.url),
      event: required('event', webhook.event),
      payload: serialised(webhook.payload),
      secret: required('secret', webhook.secret),
      createdAt: new Date(this.now()),
    });
    this.wake();
    return delivery.id;
  }

  /**
   * Sends every due delivery, again and again until none is due (a retry with
   * no backoff is due at once), whether or not the dispatcher is started.
   * Resolves with the number of attempts made.
   */
  async deliverNow(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const claimed = await this.claim(this.concurrency);
      if (claimed.length === 0) return attempts;
      attempts += claimed.length;
      await Promise.all(claimed.map((delivery) => this.track(this.attempt(delivery))));
    }
  }

  private wake(): void {
    if (!this.running) return;
    if (this.claiming !== undefined) {
      this.claimAgain = true;
      return;
    }
    clearTimeout(this.pollTimer);
    this.claimAgain = false;
    this.claiming = this.fillFreeSlots()
      .catch((error: unknown) => this.log.error({ error: describe(error) }, 'webhook claim failed; retrying at the next poll'))
      .then(() => {
        this.claiming = undefined;
        if (this.claimAgain) this.wake();
        else this.schedulePoll();
      });
  }

  private async fillFreeSlots(): Promise<void> {
    const free = this.concurrency - this.sending.size;
    // A full dispatcher is woken again by each send that finishes.
    if (free <= 0) return;
    for (const delivery of await this.claim(free)) void this.track(this.attempt(delivery));
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = setTimeout(() => this.wake(), this.pollIntervalMs);
    // The dispatcher alone should not keep the process alive; sends in flight do.
    this.pollTimer.unref();
  }

  private claim(limit: number): Promise<ClaimedWebhookDelivery[]> {
    const now = this.now();
    return this.store.claimWebhookDeliveries({
      now: new Date(now),
      leaseUntil: new Date(now + this.timeoutMs + LEASE_MARGIN_MS),
      limit,
    });
  }

  private track(send: Promise<void>): Promise<void> {
    this.sending.add(send);
    return send.then(() => {
      this.sending.delete(send);
      this.wake();
    });
  }

  /** Never rejects: a failure to record leaves the delivery leased, and it is retried once the lease ends. */
  private async attempt(delivery: ClaimedWebhookDelivery): Promise<void> {
    const context = { deliveryId: delivery.id, event: delivery.event, attempt: delivery.attempts };
    try {
      const result =
        delivery.attempts > this.maxAttempts
          ? this.notSent(`not sent: attempt ${delivery.attempts - 1} was interrupted and was the last`)
          : await this.send(delivery);
      const outcome = this.outcomeOf(delivery, result);
      const recorded = await this.store.recordWebhookAttempt(delivery.id, { attempt: delivery.attempts, ...result }, outcome);
      if (!recorded) {
        this.log.warn(context, 'webhook lease ran out during the attempt; another dispatcher owns the delivery now');
        return;
      }
      const details = { ...context, host: hostOf(delivery.url), statusCode: result.statusCode, error: result.error };
      if (outcome.kind === 'delivered') this.log.info(details, 'webhook delivered');
      else if (outcome.kind === 'retry') this.log.warn({ ...details, nextAttemptAt: outcome.nextAttemptAt }, 'webhook attempt failed; will retry');
      else this.log.error(details, 'webhook failed for good');
    } catch (error) {
      this.log.error({ ...context, error: describe(error) }, 'could not record a webhook attempt; retrying after its lease');
    }
  }

  private async send(delivery: ClaimedWebhookDelivery): Promise<SendResult> {
    const at = new Date(this.now());
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const finish = (statusCode: number | null, error: string | null): SendResult => ({
      at,
      durationMs: performance.now() - started,
      statusCode,
      error,
    });
    try {
      const response = await this.fetch(delivery.url, {
        method: 'POST',
        headers: webhookHeaders(delivery, Math.floor(at.getTime() / 1000)),
        body: delivery.payload,
        // A redirect could point anywhere, the local network included: it counts as a failed attempt instead.
        redirect: 'manual',
        signal: controller.signal,
      });
      // Only the status matters; not reading the body frees the connection.
      await response.body?.cancel();
      return finish(response.status, null);
    } catch (error) {
      return finish(null, controller.signal.aborted ? `timed out after ${this.timeoutMs} ms` : describe(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private notSent(error: string): SendResult {
    return { at: new Date(this.now()), durationMs: 0, statusCode: null, error };
  }

  private outcomeOf(delivery: ClaimedWebhookDelivery, result: SendResult): WebhookAttemptOutcome {
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) return { kind: 'delivered' };
    if (delivery.attempts >= this.maxAttempts) return { kind: 'failed' };
    return { kind: 'retry', nextAttemptAt: new Date(this.now() + this.backoff(delivery.attempts)) };
  }
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `webhook url ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `webhook url must be http or https, not ${parsed.protocol}`);
  }
  // fetch refuses URLs with credentials, so every attempt would fail.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', 'webhook url must not contain a user name or password');
  }
  return parsed.href;
}

function required(name: string, value: string): string {
  if (value === '') throw new FacegateError('ERROR_INVALID_ARGUMENT', `webhook ${name} must not be empty`);
  return value;
}

function serialised(payload: unknown): string {
  const text = JSON.stringify(payload) as string | undefined;
  if (text === undefined) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'webhook payload must be serialisable to JSON');
  return text;
}

function hostOf(url: string): string {
  return new URL(url).host;
}

/** The message and, for fetch's generic "fetch failed", the underlying cause (ECONNREFUSED, a TLS error, …). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, MAX_ERROR_LENGTH);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.slice(0, MAX_ERROR_LENGTH);
}
