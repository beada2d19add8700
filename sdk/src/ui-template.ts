/**
 * The capture screen's default markup and styles. It lives in a shadow root,
 * so page styles cannot break it and its styles cannot leak out. Elements are
 * found by their data-fg hooks, which a custom htmlTemplates.CAPTURE_DIALOG
 * keeps (docs/capture-sdk.md lists them); texts are set from the strings.
 */

export const STYLES = `
:host {
  --fg-label: #ffffff;
  --fg-label-background: rgba(17, 24, 39, 0.88);
  --fg-canvas-background: rgba(17, 24, 39, 0.62);
  --fg-oval: #34d399;
  --fg-oval-error: #ffffff;
  --fg-ticker: rgba(255, 255, 255, 0.35);
  --fg-ticker-active: #34d399;
  display: block;
  font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
:host([data-mode="dialog"]) { position: fixed; inset: 0; z-index: 2147483000; background: #000; }
:host([data-mode="inline"]) { position: relative; width: 100%; height: 100%; }
[hidden] { display: none !important; }
.fg-dialog, .fg-view { position: absolute; inset: 0; overflow: hidden; background: #000; }
.fg-dialog:focus { outline: none; }
video { width: 100%; height: 100%; object-fit: cover; display: block; }
video.fg-mirrored { transform: scaleX(-1); }
[data-fg="overlay"], [data-fg="overlay"] svg { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.fg-shade { fill: var(--fg-canvas-background); fill-rule: evenodd; }
.fg-oval { fill: none; stroke: var(--fg-oval-error); stroke-width: 4; transition: stroke 0.2s; }
.fg-oval.fg-good { stroke: var(--fg-oval); }
.fg-top { position: absolute; top: 0; left: 0; right: 0; display: flex; justify-content: flex-end; gap: 8px; padding: max(12px, env(safe-area-inset-top)) 12px 12px; }
.fg-bottom { position: absolute; left: 0; right: 0; bottom: 0; display: flex; flex-direction: column; align-items: center; gap: 12px; padding: 16px 16px max(20px, env(safe-area-inset-bottom)); }
[data-fg="message"] { margin: 0; max-width: 32em; padding: 10px 18px; border-radius: 12px; text-align: center; font-size: 1.15rem; font-weight: 600; color: var(--fg-label); background: var(--fg-label-background); }
.fg-ticker { width: min(60%, 240px); height: 6px; border-radius: 3px; background: var(--fg-ticker); overflow: hidden; }
[data-fg="ticker"] { height: 100%; width: 0; background: var(--fg-ticker-active); }
button, select { font: inherit; min-height: 44px; border-radius: 10px; border: 2px solid transparent; padding: 8px 16px; }
button { cursor: pointer; font-weight: 600; color: #111827; background: #ffffff; }
button.fg-primary { color: #ffffff; background: #1d4ed8; }
button:focus-visible, select:focus-visible, input:focus-visible { outline: 3px solid #fbbf24; outline-offset: 2px; }
select { color: #111827; background: #ffffff; max-width: 60vw; }
.fg-panel { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 16px; padding: 24px; text-align: center; color: #ffffff; background: rgba(17, 24, 39, 0.94); }
.fg-panel p { max-width: 28em; margin: 0; font-size: 1.1rem; }
.fg-panel label { display: flex; align-items: center; gap: 8px; }
.fg-panel input { width: 22px; height: 22px; }
[data-fg="review-image"] { max-width: 100%; max-height: 65%; border-radius: 12px; object-fit: contain; }
.fg-actions { display: flex; flex-wrap: wrap; justify-content: center; gap: 12px; }
.fg-spinner { width: 44px; height: 44px; border-radius: 50%; border: 5px solid rgba(255, 255, 255, 0.3); border-top-color: #ffffff; animation: fg-spin 0.9s linear infinite; }
@keyframes fg-spin { to { transform: rotate(360deg); } }
.fg-arrow { --fg-arrow-size: clamp(52px, 14vmin, 96px); --fg-gap: calc(var(--fg-arrow-size) + 12px); position: absolute; box-sizing: border-box; width: var(--fg-arrow-size); height: var(--fg-arrow-size); padding: calc(var(--fg-arrow-size) * 0.16); border-radius: 50%; color: var(--fg-label); background: var(--fg-label-background); pointer-events: none; animation: fg-nudge 1.2s ease-in-out infinite; }
.fg-arrow svg { display: none; width: 100%; height: 100%; fill: none; stroke: currentColor; stroke-width: 6; stroke-linecap: round; stroke-linejoin: round; }
.fg-arrow:not([data-direction="closer"]) .fg-arrow-turn, .fg-arrow[data-direction="closer"] .fg-arrow-closer { display: block; }
.fg-arrow[data-direction="left"], .fg-arrow[data-direction="right"] { top: calc(var(--fg-oval-cy, 44%) - var(--fg-arrow-size) / 2); }
.fg-arrow[data-direction="left"] { left: max(20px, calc(var(--fg-oval-left, 12%) - var(--fg-gap))); --fg-nudge: translateX(-16px); }
.fg-arrow[data-direction="right"] { right: max(20px, calc(var(--fg-oval-left, 12%) - var(--fg-gap))); --fg-nudge: translateX(16px); }
.fg-arrow[data-direction="right"] svg { transform: rotate(180deg); }
.fg-arrow[data-direction="up"], .fg-arrow[data-direction="closer"] { left: calc(50% - var(--fg-arrow-size) / 2); top: max(20px, calc(var(--fg-oval-top, 10%) - var(--fg-gap))); }
.fg-arrow[data-direction="up"] { --fg-nudge: translateY(-16px); }
.fg-arrow[data-direction="up"] svg { transform: rotate(90deg); }
.fg-arrow[data-direction="closer"] { --fg-nudge: scale(1.3); }
@keyframes fg-nudge { 50% { transform: var(--fg-nudge); } }
@media (prefers-reduced-motion: reduce) { .fg-spinner, .fg-arrow { animation: none; } .fg-oval { transition: none; } }
`;

export const CAPTURE_DIALOG = `
<div class="fg-dialog" role="dialog" tabindex="-1" data-fg="dialog">
  <div class="fg-view" data-fg="view">
    <video data-fg="video" playsinline muted autoplay></video>
    <div data-fg="overlay" aria-hidden="true"></div>
    <div class="fg-arrow" data-fg="arrow" aria-hidden="true" hidden>
      <svg class="fg-arrow-turn" viewBox="0 0 48 48" focusable="false"><path d="M40 24H9M22 10 8 24l14 14"/></svg>
      <svg class="fg-arrow-closer" viewBox="0 0 48 48" focusable="false"><path d="M6 18V6h12M30 6h12v12M42 30v12H30M18 42H6V30"/></svg>
    </div>
    <div class="fg-top">
      <select data-fg="camera-select" hidden></select>
      <button type="button" data-fg="close" hidden></button>
    </div>
    <div class="fg-bottom">
      <div class="fg-ticker" aria-hidden="true"><div data-fg="ticker"></div></div>
      <p data-fg="message" role="status" aria-live="polite"></p>
    </div>
  </div>
  <div class="fg-panel" data-fg="training" hidden>
    <p data-fg="training-text"></p>
    <label><input type="checkbox" data-fg="training-skip"><span data-fg="training-label"></span></label>
    <button type="button" class="fg-primary" data-fg="training-next"></button>
  </div>
  <div class="fg-panel" data-fg="review" hidden>
    <img data-fg="review-image" alt="">
    <div class="fg-actions">
      <button type="button" data-fg="retake"></button>
      <button type="button" class="fg-primary" data-fg="confirm"></button>
    </div>
  </div>
</div>
`;

export const PROGRESS_DIALOG = `
<div class="fg-panel" role="status" aria-live="polite">
  <div class="fg-spinner" aria-hidden="true"></div>
  <p data-fg="progress-message"></p>
</div>
`;
