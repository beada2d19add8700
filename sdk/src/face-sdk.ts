/** FaceSDK, spec 002's Face Web SDK object: preInitialize, constructor, initialize, capture. */
import { createCaptureBlob } from './capture-blob.js';
import { checkSupport, listCameras, openCamera, playStream, stopCamera } from './camera.js';
import { answerChallenge, type ChallengeCapture } from './challenge-session.js';
import { parseIssuedChallenge, type IssuedChallenge } from './challenge.js';
import { guideAndCapture, type CapturedFrame } from './capture-session.js';
import { FaceSdkError } from './errors.js';
import { resolveOptions, type FeedbackEvent, type ResolvedOptions, type SdkOptions } from './options.js';
import { connect, resolveEndpoints, type EndpointSpec, type PubKeySpec, type ServerContext } from './server.js';
import { CaptureDialog } from './ui.js';

export const SDK_VERSION = '0.1.0';

export interface CaptureOptions {
  /** Facegate: an active-liveness challenge to answer, the server's 201 body as it is (docs/capture-sdk.md). */
  challenge?: IssuedChallenge;
}

// Shared by every FaceSDK on the page, as spec 002's static preInitialize implies.
let endpoints: ReturnType<typeof resolveEndpoints> | null = null;
let server: Promise<ServerContext> | null = null;

/** The server context, connecting on first use; a failed attempt is forgotten so the next call retries. */
function serverContext(): Promise<ServerContext> {
  endpoints ??= resolveEndpoints(undefined, undefined);
  server ??= connect(endpoints).catch((err: unknown) => {
    server = null;
    throw err;
  });
  return server;
}

export class FaceSDK {
  /**
   * Fetches the model list, the capture public key and the server time (for
   * the clock offset). Without arguments: /api/v1/models, /api/v1/pub_key and
   * /api/v1/time on the page's origin. Rejects with 500 when the server
   * cannot be reached or answers badly.
   */
  static preInitialize(models?: EndpointSpec, pubKey?: PubKeySpec): Promise<void> {
    endpoints = resolveEndpoints(models, pubKey);
    server = null;
    return serverContext().then(() => undefined);
  }

  private readonly options: ResolvedOptions;
  private dialog: CaptureDialog | null = null;
  /** Aborted with 202 when the person closes the screen opened by open(). */
  private closed = new AbortController();
  private stream: MediaStream | null = null;
  /** The camera the person chose, kept for retakes. */
  private deviceId: string | undefined;
  private initialized = false;
  private capturing = false;

  constructor(options: SdkOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** Checks the browser, connects to the server, asks for the camera and shows the capture screen. */
  async initialize(): Promise<void> {
    checkSupport(this.options.strings, this.options.skipSupportCheck);
    await this.connected();
    if (!this.stream) await this.open();
    this.initialized = true;
  }

  /**
   * Guides the person, captures automatically and resolves with the encrypted
   * capture blob; with a challenge, the server's prompts lead and it decides
   * when the capture is taken. The camera and screen are released when it
   * settles; call it again for a retake (with a new challenge).
   */
  async capture(captureOptions: CaptureOptions = {}): Promise<Blob> {
    const challenge = captureOptions.challenge === undefined ? undefined : parseIssuedChallenge(captureOptions.challenge);
    if (this.capturing) throw new Error('capture() is already running');
    this.capturing = true;
    try {
      if (!this.initialized) await this.initialize();
      else if (!this.stream) await this.open();
      const context = await this.connected();
      const captured: CapturedFrame & Partial<ChallengeCapture> = challenge ? await this.answer(challenge, new URL(challenge.framesUrl, context.serverUrl).href) : await this.guide();
      this.dialog?.showProgress('FEEDBACK_PROCESSING');
      const facingMode = this.stream?.getVideoTracks()[0]?.getSettings().facingMode;
      stopCamera(this.stream);
      const { options } = this;
      const metadata: Record<string, unknown> = {
        ...options.serverMetadata,
        sdk: 'facegate-capture',
        sdkVersion: SDK_VERSION,
        camera: facingMode ?? (options.assisted ? 'environment' : 'user'),
        width: captured.frame.width,
        height: captured.frame.height,
        ...(context.modelId ? { modelId: context.modelId } : {}),
        ...(options.returnQualityMetadata ? { quality: captured.quality } : {}),
      };
      const header = { capturedAt: captured.takenAt + context.clockOffsetMs, mime: 'image/jpeg' as const, metadata };
      const response = challenge ? { challenge: { id: challenge.challengeId, nonce: challenge.nonce }, keyFrames: captured.keyFrames ?? [] } : undefined;
      const bytes = await createCaptureBlob(captured.frame.bytes, header, context.captureKey, response);
      if (options.returnQualityMetadata) options.events.onImageQualityDetected?.(captured.quality);
      return new Blob([bytes], { type: 'application/octet-stream' });
    } finally {
      this.capturing = false;
      this.close();
    }
  }

  /** The connection all instances share, its errors in this instance's `localization` strings. */
  private async connected(): Promise<ServerContext> {
    try {
      return await serverContext();
    } catch (err) {
      throw err instanceof FaceSdkError ? new FaceSdkError(err.name, err.detail, this.options.strings) : err;
    }
  }

  /** Releases the camera and removes the capture screen. */
  dispose(): void {
    this.close();
  }

  /** Runs guidance until a capture is accepted; the timeout is paused while the person reads or reviews. */
  private async guide(): Promise<CapturedFrame> {
    const { options } = this;
    const dialog = this.openDialog();
    const closed = this.closed.signal;
    if (options.showCaptureTraining) await dialog.showTraining(closed);
    for (;;) {
      const captured = await this.attempt((signal) => guideAndCapture({ dialog, guidanceUrl: options.guidanceUrl, guidanceHeaders: options.guidanceHeaders, signal, feedback: this.feedback }));
      dialog.showMessage('FEEDBACK_CAPTURED', true);
      if (!options.enableRetakeScreen) return captured;
      if (await dialog.review(new Blob([captured.frame.bytes], { type: 'image/jpeg' }), closed)) return captured;
      dialog.setProgress(0);
    }
  }

  /**
   * Follows the challenge's prompts to the capture. The timeout runs until the
   * server has a frontal face; the server's own deadlines bound the steps. No
   * retake screen: the challenge is used up by this capture.
   */
  private async answer(challenge: IssuedChallenge, framesUrl: string): Promise<ChallengeCapture> {
    const { options } = this;
    const dialog = this.openDialog();
    if (options.showCaptureTraining) await dialog.showTraining(this.closed.signal);
    const captured = await this.attempt((signal, stopClock) =>
      answerChallenge({ dialog, challenge, framesUrl, strings: options.strings, feedback: this.feedback, onBaseline: stopClock, signal }),
    );
    dialog.showPrompt(null);
    return captured;
  }

  /** Runs one attempt, aborted when the person closes the screen or, until `stopClock` is called, after captureTimeout. */
  private async attempt<T>(run: (signal: AbortSignal, stopClock: () => void) => Promise<T>): Promise<T> {
    const { options } = this;
    const closed = this.closed.signal;
    if (closed.aborted) throw closed.reason;
    const attempt = new AbortController();
    const stopAttempt = () => attempt.abort(closed.reason);
    closed.addEventListener('abort', stopAttempt, { once: true });
    const timeout = setTimeout(
      () => attempt.abort(new FaceSdkError('FEEDBACK_CAPTURE_TIMEOUT', `no acceptable capture within ${options.captureTimeout} ms`, options.strings)),
      options.captureTimeout,
    );
    try {
      return await run(attempt.signal, () => clearTimeout(timeout));
    } finally {
      clearTimeout(timeout);
      closed.removeEventListener('abort', stopAttempt);
    }
  }

  private readonly feedback = (key: FeedbackEvent['key'], good: boolean): void => {
    this.dialog?.showMessage(key, good);
    this.options.events.onFeedback?.({ key, message: this.options.strings[key] });
  };

  private openDialog(): CaptureDialog {
    if (!this.dialog) throw new Error('capture screen is not open');
    return this.dialog;
  }

  private async open(): Promise<void> {
    const { options } = this;
    const dialog = new CaptureDialog({
      container: options.container,
      templates: options.htmlTemplates,
      graphics: options.graphics,
      strings: options.strings,
      allowClose: options.allowClose,
    });
    const closed = new AbortController();
    dialog.onClose(() => closed.abort(new FaceSdkError('FEEDBACK_DIALOG_CLOSED', 'the person closed the capture screen', options.strings)));
    this.dialog = dialog;
    this.closed = closed;
    dialog.mount();
    dialog.showMessage('FEEDBACK_INITIALIZATION', false);
    try {
      this.stream = await openCamera({ assisted: options.assisted, deviceId: this.deviceId }, options.strings);
      if (closed.signal.aborted) throw closed.signal.reason;
      const cameras = await listCameras();
      if (cameras.length === 0) throw new FaceSdkError('ERROR_NO_INPUT_DEVICES', 'no video input device', options.strings);
      let chosen: string | undefined;
      if (options.allowCameraSelect && cameras.length > 1) {
        const choose = options.events.onInputDevicesDetected;
        if (choose) chosen = await choose(cameras);
        else {
          dialog.showCameraChoice(cameras, this.currentDeviceId(), (deviceId) => {
            this.switchCamera(deviceId).catch(() => this.dialog?.showMessage('FEEDBACK_CAMERA_ACQUIRING_FAILED', false));
          });
        }
      }
      if (chosen && chosen !== this.currentDeviceId()) await this.switchCamera(chosen);
      else await this.play();
      if (closed.signal.aborted) throw closed.signal.reason;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private async switchCamera(deviceId: string): Promise<void> {
    this.deviceId = deviceId;
    stopCamera(this.stream);
    this.stream = null;
    this.stream = await openCamera({ assisted: this.options.assisted, deviceId }, this.options.strings);
    await this.play();
  }

  private async play(): Promise<void> {
    if (!this.dialog || !this.stream) return;
    const facingMode = this.stream.getVideoTracks()[0]?.getSettings().facingMode;
    this.dialog.setMirrored(facingMode ? facingMode === 'user' : !this.options.assisted);
    await playStream(this.dialog.video, this.stream);
  }

  private currentDeviceId(): string | undefined {
    return this.stream?.getVideoTracks()[0]?.getSettings().deviceId;
  }

  private close(): void {
    stopCamera(this.stream);
    this.stream = null;
    this.dialog?.unmount();
    this.dialog = null;
  }
}
