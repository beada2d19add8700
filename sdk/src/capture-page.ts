/**
 * The hosted capture page (capture-page.html): reads the configuration the
 * server injected, captures with the SDK, submits the blob and tells the
 * person the outcome in plain words.
 */
import { parseIssuedChallenge, type IssuedChallenge } from './challenge.js';
import { FaceSdkError } from './errors.js';
import { FaceSDK } from './face-sdk.js';
import { AS_THRESHOLDS, type AsThreshold } from './options.js';

const PAGE_STRINGS = {
  PAGE_TITLE: 'Face check',
  PAGE_INTRO: 'We will take a photo of your face to confirm it is really you. Find good light, take off sunglasses or a hat, and hold your device at eye level.',
  PAGE_START: 'Start camera',
  PAGE_RETRY: 'Try again',
  PAGE_SENDING: 'Checking your photo…',
  PAGE_DONE: 'All done. You can close this page.',
  PAGE_FAILED: 'This check could not be completed.',
  PAGE_NETWORK: 'We could not reach the server. Check your connection and try again.',
  PAGE_SUBMIT_FAILED: 'Your photo could not be checked. Please try again.',
  PAGE_CONTINUE: 'Continue',
  PAGE_CLOSED: 'You closed the camera. Start again when you are ready.',
  PAGE_BAD_CONFIG: 'This link is not set up correctly. Please ask for a new one.',
  PAGE_INTRO_ACTIVE: 'We will ask you to move your head slowly, then take a photo of your face to confirm it is really you. Find good light, take off sunglasses or a hat, and hold your device at eye level.',
  PAGE_LOCKED: 'Too many attempts. Please wait {wait} before trying again.',
  PAGE_UNAVAILABLE: 'The check cannot start right now. Please try again in a moment.',
};
type PageStringKey = keyof typeof PAGE_STRINGS;

interface PageConfig {
  token?: string;
  guidanceUrl?: string;
  /** Each attempt POSTs here first for a new active-liveness challenge. */
  challengeUrl?: string;
  submitUrl: string;
  locale?: string;
  asThreshold?: AsThreshold;
  /** Overrides for PAGE_* and the SDK's FEEDBACK_* / ERROR_* strings. */
  strings?: Record<string, string>;
}

interface ScreenState {
  camera?: boolean;
  busy?: boolean;
  status?: string;
  tone?: 'success' | 'error';
  retry?: boolean;
  start?: boolean;
  /** Shown as a Continue link. */
  redirect?: string | null;
}

/** Submit statuses that mean the session is still open, so another photo may be sent. */
const OPEN_STATUSES = new Set(['created', 'in_progress', 'retry']);
/** Long enough to read the outcome; the Continue link is there for anyone who needs it sooner or later. */
const REDIRECT_DELAY_MS = 4000;

/** SDK errors the person can fix and retry: no camera found, camera refused or busy, server unreachable, too slow, challenge failed. */
const RECOVERABLE_CODES = new Set([101, 104, 500, 501, 502]);

/** Only http(s) URLs are followed: a javascript: URL must never reach location.assign. */
function webUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** "2 minutes 30 seconds", in the page's language. */
function formatWait(totalSeconds: number): string {
  const seconds = Number.isFinite(totalSeconds) && totalSeconds > 0 ? Math.ceil(totalSeconds) : 60;
  const locale = document.documentElement.lang || undefined;
  const unit = (value: number, name: 'minute' | 'second') => new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);
  const [minutes, rest] = [Math.floor(seconds / 60), seconds % 60];
  return [minutes > 0 ? unit(minutes, 'minute') : '', rest > 0 ? unit(rest, 'second') : ''].filter(Boolean).join(' ');
}

const element = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`capture page is missing #${id}`);
  return found;
};

function readConfig(): PageConfig | null {
  try {
    const raw: unknown = JSON.parse(element('facegate-capture-config').textContent ?? '');
    if (typeof raw !== 'object' || raw === null) return null;
    const config = raw as Record<string, unknown>;
    if (typeof config.submitUrl !== 'string') return null;
    const optionalString = (key: string) => (typeof config[key] === 'string' ? (config[key] as string) : undefined);
    const asThreshold = AS_THRESHOLDS.find((level) => level === config.asThreshold);
    if (config.asThreshold !== undefined && !asThreshold) return null;
    const strings = typeof config.strings === 'object' && config.strings !== null ? Object.fromEntries(Object.entries(config.strings).filter(([, v]) => typeof v === 'string')) : undefined;
    return {
      submitUrl: config.submitUrl,
      token: optionalString('token'),
      guidanceUrl: optionalString('guidanceUrl'),
      challengeUrl: optionalString('challengeUrl'),
      locale: optionalString('locale'),
      asThreshold,
      strings,
    };
  } catch {
    return null;
  }
}

class CapturePage {
  private readonly strings: Record<PageStringKey, string>;
  private readonly authorization: Record<string, string>;
  private sdk: FaceSDK | null = null;

  constructor(private readonly config: PageConfig) {
    this.strings = { ...PAGE_STRINGS };
    for (const key of Object.keys(PAGE_STRINGS) as PageStringKey[]) this.strings[key] = config.strings?.[key] || PAGE_STRINGS[key];
    this.authorization = config.token ? { authorization: `Bearer ${config.token}` } : {};
  }

  start(): void {
    if (this.config.locale) document.documentElement.lang = this.config.locale;
    for (const node of document.querySelectorAll<HTMLElement>('[data-string]')) {
      const key = node.dataset.string as PageStringKey;
      if (key in this.strings) node.textContent = this.strings[key];
    }
    document.title = this.strings.PAGE_TITLE;
    if (this.config.challengeUrl) element('intro').textContent = this.strings.PAGE_INTRO_ACTIVE;
    element('start').addEventListener('click', () => void this.run());
    element('retry').addEventListener('click', () => void this.run());
    // Fetch the server key and clock now, so the capture does not wait for them.
    FaceSDK.preInitialize().catch(() => undefined);
    this.show({ start: true });
  }

  private async run(): Promise<void> {
    const challenge = this.config.challengeUrl ? await this.newChallenge(this.config.challengeUrl) : undefined;
    if (challenge === null) return;
    this.show({ camera: true });
    let blob: Blob;
    try {
      this.sdk ??= new FaceSDK({
        container: element('camera'),
        guidanceUrl: this.config.guidanceUrl,
        guidanceHeaders: this.authorization,
        asThreshold: this.config.asThreshold,
        localization: this.config.strings,
      });
      await this.sdk.initialize();
      blob = await this.sdk.capture({ challenge });
    } catch (err) {
      this.sdkFailed(err);
      return;
    }
    this.show({ busy: true, status: this.strings.PAGE_SENDING });
    await this.submit(blob);
  }

  /** A fresh challenge for this attempt, or null when the page has told the person why there is none. */
  private async newChallenge(url: string): Promise<IssuedChallenge | null> {
    this.show({ busy: true });
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: this.authorization });
    } catch {
      this.show({ status: this.strings.PAGE_NETWORK, tone: 'error', retry: true });
      return null;
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 201) {
      try {
        return parseIssuedChallenge(body);
      } catch (err) {
        console.warn(`facegate-capture: the challenge answer is malformed: ${String(err)}`);
      }
    } else if (response.status === 429) {
      const details = typeof body === 'object' && body !== null ? (body as { details?: { retryAfterSeconds?: unknown } }).details : undefined;
      const seconds = typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : Number(response.headers.get('retry-after'));
      this.show({ status: this.strings.PAGE_LOCKED.replace('{wait}', formatWait(seconds)), tone: 'error', retry: true });
      return null;
    } else {
      console.warn(`facegate-capture: the challenge request answered HTTP ${response.status}`);
    }
    // A refused request (the link is closed) cannot succeed by retrying; a server error may.
    const closed = response.status >= 400 && response.status < 500;
    this.show({ status: closed ? this.strings.PAGE_FAILED : this.strings.PAGE_UNAVAILABLE, tone: 'error', retry: !closed });
    return null;
  }

  private async submit(blob: Blob): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.config.submitUrl, { method: 'POST', headers: { ...this.authorization, 'content-type': 'application/octet-stream' }, body: blob });
    } catch {
      this.show({ status: this.strings.PAGE_NETWORK, tone: 'error', retry: true });
      return;
    }
    const body: unknown = await response.json().catch(() => null);
    const { status, message, redirectUrl } = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const text = typeof message === 'string' && message !== '' ? message : null;
    const redirect = webUrl(redirectUrl);
    if (typeof status !== 'string') {
      // An error body: its message is for developers, not for the person.
      console.warn(`facegate-capture: submit answered HTTP ${response.status}: ${text ?? ''}`);
      this.show({ status: this.strings.PAGE_SUBMIT_FAILED, tone: 'error', retry: true });
    } else if (status === 'completed') this.show({ status: text ?? this.strings.PAGE_DONE, tone: 'success', redirect });
    else if (OPEN_STATUSES.has(status)) this.show({ status: text ?? this.strings.PAGE_SUBMIT_FAILED, tone: 'error', retry: true });
    else this.show({ status: text ?? this.strings.PAGE_FAILED, tone: 'error', redirect });
    if (redirect) setTimeout(() => location.assign(redirect), REDIRECT_DELAY_MS);
  }

  private sdkFailed(err: unknown): void {
    if (!(err instanceof FaceSdkError)) {
      console.error(err);
      this.show({ status: this.strings.PAGE_FAILED, tone: 'error', retry: true });
    } else if (err.name === 'FEEDBACK_DIALOG_CLOSED') {
      this.show({ status: this.strings.PAGE_CLOSED, start: true });
    } else {
      console.warn(`facegate-capture: ${err.code} ${err.name}: ${err.detail}`);
      this.show({ status: err.message, tone: 'error', retry: RECOVERABLE_CODES.has(err.code) });
    }
  }

  /** One call per screen state, so no element is left over from the previous one. */
  private show(state: ScreenState): void {
    element('intro').hidden = !state.start;
    element('camera').hidden = !state.camera;
    element('busy').hidden = !state.busy;
    element('start').hidden = !state.start;
    element('retry').hidden = !state.retry;
    const next = element('continue');
    next.hidden = !state.redirect;
    if (state.redirect) next.setAttribute('href', state.redirect);
    const status = element('status');
    status.textContent = state.status ?? '';
    if (state.tone) status.dataset.tone = state.tone;
    else delete status.dataset.tone;
    (state.retry ? element('retry') : state.start ? element('start') : state.redirect ? next : null)?.focus();
  }
}

const config = readConfig();
if (config) new CapturePage(config).start();
else element('status').textContent = PAGE_STRINGS.PAGE_BAD_CONFIG;
