/** The capture screen: video, oval guide, message, hold ticker, and the training, review and progress panels. */
import { arrowDirection, type ChallengeStep } from './challenge.js';
import { ovalInView, type ViewLayout } from './guidance.js';
import type { StringKey, Strings } from './localization.js';
import type { CanvasGraphics, HtmlTemplates } from './options.js';
import { CAPTURE_DIALOG, PROGRESS_DIALOG, STYLES } from './ui-template.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SKIP_TRAINING_KEY = 'facegate-capture:skip-training';
const GRAPHICS_VARIABLES: Record<keyof CanvasGraphics, string> = {
  label: '--fg-label',
  labelBackground: '--fg-label-background',
  canvasBackground: '--fg-canvas-background',
  ovalBorderBackground: '--fg-oval',
  ovalBorderErrorBackground: '--fg-oval-error',
  tickerDefaultBackground: '--fg-ticker',
  tickerActiveBackground: '--fg-ticker-active',
};

interface DialogSettings {
  /** Draw into this element; without it the screen is a full-page dialog. */
  container: HTMLElement | undefined;
  templates: HtmlTemplates;
  graphics: CanvasGraphics;
  strings: Strings;
  allowClose: boolean;
}

export class CaptureDialog {
  readonly video: HTMLVideoElement;
  private readonly host = document.createElement('div');
  private readonly root: ShadowRoot;
  private readonly view: HTMLElement;
  private readonly message: HTMLElement;
  private readonly resizeObserver = new ResizeObserver(() => this.drawOval());
  private readonly closeHandlers: (() => void)[] = [];
  private shade: SVGPathElement | null = null;
  private oval: SVGEllipseElement | null = null;
  private progress: HTMLElement | null = null;
  private shownMessage: StringKey | null = null;
  private mirrored = false;

  constructor(private readonly settings: DialogSettings) {
    this.host.dataset.mode = settings.container ? 'inline' : 'dialog';
    this.root = this.host.attachShadow({ mode: 'open' });
    this.root.innerHTML = `<style>${STYLES}</style>${settings.templates.CAPTURE_DIALOG ?? CAPTURE_DIALOG}`;
    for (const [option, variable] of Object.entries(GRAPHICS_VARIABLES) as [keyof CanvasGraphics, string][]) {
      const colour = settings.graphics[option];
      if (colour) this.host.style.setProperty(variable, colour);
    }
    const video = this.required('video');
    if (!(video instanceof HTMLVideoElement)) throw new TypeError('htmlTemplates.CAPTURE_DIALOG: data-fg="video" must be a <video> element');
    this.video = video;
    // iOS plays camera video inline and without a tap only when muted and playsinline; a custom template may forget.
    this.video.muted = true;
    this.video.playsInline = true;
    this.message = this.required('message');
    this.view = this.find('view') ?? this.video.parentElement ?? this.video;
    const dialog = this.find('dialog');
    dialog?.setAttribute('aria-label', settings.strings.FEEDBACK_GUIDE_LABEL);
    if (!settings.container) dialog?.setAttribute('aria-modal', 'true');
    this.buildOverlay();
    this.wireClose();
  }

  mount(): void {
    (this.settings.container ?? document.body).append(this.host);
    this.resizeObserver.observe(this.view);
    this.drawOval();
    // Keyboard and screen-reader users land in the capture screen, where Escape closes it.
    this.find('dialog')?.focus();
  }

  unmount(): void {
    this.resizeObserver.disconnect();
    this.host.remove();
  }

  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  /** The front camera is shown mirrored, as people expect from a mirror; the captured image is not. */
  setMirrored(mirrored: boolean): void {
    this.mirrored = mirrored;
    this.video.classList.toggle('fg-mirrored', mirrored);
  }

  /** The arrow of a challenge step (null hides it); decorative, since the message says the same. */
  showPrompt(prompt: ChallengeStep | null): void {
    const arrow = this.find('arrow');
    if (!arrow) return;
    arrow.hidden = prompt === null;
    if (prompt) arrow.dataset.direction = arrowDirection(prompt, this.mirrored);
  }

  /** Only a changed message is written, so screen readers announce each once. */
  showMessage(key: StringKey, good: boolean): void {
    this.oval?.classList.toggle('fg-good', good);
    if (key === this.shownMessage) return;
    this.shownMessage = key;
    this.message.textContent = this.settings.strings[key];
  }

  /** The hold ticker, 0 to 1. */
  setProgress(fraction: number): void {
    const ticker = this.find('ticker');
    if (ticker) ticker.style.width = `${Math.round(fraction * 100)}%`;
  }

  layout(): ViewLayout {
    return { videoWidth: this.video.videoWidth, videoHeight: this.video.videoHeight, viewWidth: this.view.clientWidth, viewHeight: this.view.clientHeight };
  }

  showCameraChoice(devices: MediaDeviceInfo[], selectedId: string | undefined, onChange: (deviceId: string) => void): void {
    const select = this.find('camera-select');
    if (!(select instanceof HTMLSelectElement)) return;
    select.setAttribute('aria-label', this.settings.strings.FEEDBACK_CAMERA_SELECT);
    select.replaceChildren(
      ...devices.map((device, i) => new Option(device.label || `${this.settings.strings.FEEDBACK_CAMERA_SELECT} ${i + 1}`, device.deviceId, false, device.deviceId === selectedId)),
    );
    select.onchange = () => onChange(select.value);
    select.hidden = false;
  }

  /** Resolves when the person has read the instructions (at once if they asked not to see them again). */
  async showTraining(signal: AbortSignal): Promise<void> {
    const panel = this.find('training');
    const next = this.find('training-next');
    if (!panel || !next || readSkipTraining()) return;
    const { strings } = this.settings;
    this.setText('training-text', strings.FEEDBACK_TRAINING_TEXT);
    this.setText('training-label', strings.FEEDBACK_TRAINING_LABEL);
    next.textContent = strings.FEEDBACK_TRAINING_BUTTON_NEXT;
    panel.hidden = false;
    next.focus();
    try {
      await firstClicked([next], signal);
      const skip = this.find('training-skip');
      if (skip instanceof HTMLInputElement && skip.checked) writeSkipTraining();
    } finally {
      panel.hidden = true;
    }
  }

  /** Shows the captured photo; resolves true to use it, false to take another. */
  async review(image: Blob, signal: AbortSignal): Promise<boolean> {
    const panel = this.find('review');
    const retake = this.find('retake');
    const confirm = this.find('confirm');
    const picture = this.find('review-image');
    if (!panel || !retake || !confirm || !(picture instanceof HTMLImageElement)) return true;
    retake.textContent = this.settings.strings.FEEDBACK_BUTTON_RETRY;
    confirm.textContent = this.settings.strings.FEEDBACK_BUTTON_CONFIRM;
    const url = URL.createObjectURL(image);
    picture.src = url;
    panel.hidden = false;
    confirm.focus();
    try {
      return (await firstClicked([confirm, retake], signal)) === confirm;
    } finally {
      panel.hidden = true;
      URL.revokeObjectURL(url);
    }
  }

  showProgress(key: StringKey): void {
    this.progress ??= this.root.appendChild(document.createElement('div'));
    this.progress.innerHTML = this.settings.templates.PROGRESS_DIALOG ?? PROGRESS_DIALOG;
    const text = this.progress.querySelector<HTMLElement>('[data-fg="progress-message"]');
    if (text) text.textContent = this.settings.strings[key];
  }

  private find(hook: string): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`[data-fg="${hook}"]`);
  }

  private required(hook: string): HTMLElement {
    const element = this.find(hook);
    if (!element) throw new TypeError(`htmlTemplates.CAPTURE_DIALOG must contain an element with data-fg="${hook}"`);
    return element;
  }

  private setText(hook: string, text: string): void {
    const element = this.find(hook);
    if (element) element.textContent = text;
  }

  private buildOverlay(): void {
    const overlay = this.find('overlay');
    if (!overlay) return;
    const svg = document.createElementNS(SVG_NS, 'svg');
    this.shade = document.createElementNS(SVG_NS, 'path');
    this.shade.classList.add('fg-shade');
    this.oval = document.createElementNS(SVG_NS, 'ellipse');
    this.oval.classList.add('fg-oval');
    svg.append(this.shade, this.oval);
    overlay.replaceChildren(svg);
  }

  /** Same geometry as the guidance decisions (ovalInView), so "inside the oval" means what the person sees. */
  private drawOval(): void {
    const svg = this.oval?.ownerSVGElement;
    if (!svg || !this.shade || !this.oval) return;
    const { clientWidth: w, clientHeight: h } = this.view;
    const { cx, cy, rx, ry } = ovalInView(w, h);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    // The challenge arrow is placed beside the oval by CSS.
    for (const [name, value] of Object.entries({ left: cx - rx, top: cy - ry, cy })) this.host.style.setProperty(`--fg-oval-${name}`, `${value}px`);
    // The view rectangle minus the ellipse (even-odd fill): the shade around the oval.
    this.shade.setAttribute('d', `M0 0H${w}V${h}H0Z M${cx - rx} ${cy}a${rx} ${ry} 0 1 0 ${2 * rx} 0a${rx} ${ry} 0 1 0 ${-2 * rx} 0Z`);
    for (const [name, value] of Object.entries({ cx, cy, rx, ry })) this.oval.setAttribute(name, String(value));
  }

  private wireClose(): void {
    const close = this.find('close');
    if (!this.settings.allowClose) return;
    const fire = () => this.closeHandlers.forEach((handler) => handler());
    if (close) {
      close.textContent = this.settings.strings.FEEDBACK_BUTTON_CLOSE;
      close.hidden = false;
      close.addEventListener('click', fire);
    }
    this.host.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') fire();
    });
  }
}

/** Resolves with the first of `buttons` clicked; rejects when the capture is aborted (closed, timed out). */
function firstClicked(buttons: HTMLElement[], signal: AbortSignal): Promise<HTMLElement> {
  return new Promise((resolve, reject) => {
    const listeners = buttons.map((button) => [button, () => settle(() => resolve(button))] as const);
    const onAbort = () => settle(() => reject(signal.reason));
    function settle(outcome: () => void) {
      signal.removeEventListener('abort', onAbort);
      for (const [button, listener] of listeners) button.removeEventListener('click', listener);
      outcome();
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    for (const [button, listener] of listeners) button.addEventListener('click', listener);
  });
}

// Storage can be blocked (private modes, sandboxed frames): then training simply shows every time.
function readSkipTraining(): boolean {
  try {
    return localStorage.getItem(SKIP_TRAINING_KEY) === '1';
  } catch {
    return false;
  }
}

function writeSkipTraining(): void {
  try {
    localStorage.setItem(SKIP_TRAINING_KEY, '1');
  } catch {
    // Not remembered; see readSkipTraining.
  }
}
