import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Box, Point } from './geometry.js';
import type { RgbImage } from './image.js';
import { assessQuality, qualityModeRejection, type QualityAssessment, type QualityInputs } from './quality.js';

type Rgb = readonly [number, number, number];

/** 68 iBUG points of a frontal face in face units: origin between the eye centres, one unit = inter-ocular distance. */
const FACE_68: readonly Point[] = [
  ...Array.from({ length: 17 }, (_, k): Point => [-1.05 * Math.cos((Math.PI * k) / 16), 0.05 + 1.45 * Math.sin((Math.PI * k) / 16)]),
  [-0.85, -0.36], [-0.68, -0.42], [-0.5, -0.44], [-0.32, -0.42], [-0.15, -0.36],
  [0.15, -0.36], [0.32, -0.42], [0.5, -0.44], [0.68, -0.42], [0.85, -0.36],
  [0, -0.05], [0, 0.15], [0, 0.35], [0, 0.55],
  [-0.18, 0.62], [-0.09, 0.65], [0, 0.66], [0.09, 0.65], [0.18, 0.62],
  [-0.72, 0], [-0.58, -0.07], [-0.42, -0.07], [-0.28, 0], [-0.42, 0.07], [-0.58, 0.07],
  [0.28, 0], [0.42, -0.07], [0.58, -0.07], [0.72, 0], [0.58, 0.07], [0.42, 0.07],
  [-0.4, 1.0], [-0.25, 0.93], [-0.1, 0.9], [0, 0.92], [0.1, 0.9], [0.25, 0.93],
  [0.4, 1.0], [0.25, 1.08], [0.1, 1.12], [0, 1.13], [-0.1, 1.12], [-0.25, 1.08],
  [-0.32, 1.0], [-0.1, 0.97], [0, 0.97], [0.1, 0.97], [0.32, 1.0], [0.1, 1.03], [0, 1.03], [-0.1, 1.03],
];

const SKIN: Rgb = [200, 150, 120];

/** Deterministic pseudo-random 0..1 (a hash of the pixel), so tests do not depend on Math.random. */
const hash = (x: number, y: number, seed = 1): number => {
  const s = Math.sin(x * 12.9898 + y * 78.233 + seed * 37.719) * 43758.5453;
  return s - Math.floor(s);
};

const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/** Colour of a painted frontal face at face coordinates (x, y), or null outside the head. */
function faceColour(x: number, y: number, noise: number): Rgb | null {
  const eyeX = Math.abs(x) - 0.5;
  if (Math.abs(y + 0.38) < 0.05 && Math.abs(x) > 0.13 && Math.abs(x) < 0.88) return [70, 50, 40];
  if (inEllipse(eyeX, y, 0, 0, 0.22, 0.075)) return Math.hypot(eyeX, y) < 0.065 ? [50, 40, 35] : [235, 232, 228];
  if (inEllipse(Math.abs(x), y, 0.08, 0.63, 0.05, 0.03)) return [60, 35, 30];
  if (Math.abs(y - 1.0) < 0.015 && Math.abs(x) < 0.38) return [90, 30, 30];
  if (inEllipse(x, y, 0, 1.01, 0.41, 0.12)) return [185, 95, 90];
  if (!inEllipse(x, y, 0, 0.35, 1.25, 1.5)) return null;
  // Side shading of the nose, and mild skin texture so flat regions are not perfectly flat.
  const shade = Math.abs(x) > 0.08 && Math.abs(x) < 0.14 && y > 0.05 && y < 0.6 ? -35 : 0;
  return [SKIN[0] + shade + noise, SKIN[1] + shade + noise, SKIN[2] + shade + noise];
}

interface SceneOptions {
  width?: number;
  height?: number;
  /** Pixels between the eye centres. */
  iod?: number;
  /** Midpoint between the eyes, image pixels. */
  centre?: Point;
  background?: 'plain' | 'noisy';
  eyesOpen?: { left: number; right: number };
  pose?: { yaw: number; pitch: number; roll: number };
  faceCount?: number;
}

interface Scene {
  inputs: QualityInputs;
  /** Paints `colour` over the face-unit rectangle [x0, x1] x [y0, y1]. */
  cover(x0: number, y0: number, x1: number, y1: number, colour: Rgb): void;
  /** Applies `f` to every channel value of every pixel. */
  map(f: (value: number, x: number, y: number) => number): void;
}

function scene(options: SceneOptions = {}): Scene {
  const { width = 640, height = 480, iod = 80, background = 'plain' } = options;
  const [cx, cy] = options.centre ?? [width / 2, height * 0.42];
  const data = new Uint8Array(width * height * 3);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const fx = (px + 0.5 - cx) / iod;
      const fy = (py + 0.5 - cy) / iod;
      const noise = (hash(px, py) - 0.5) * 12;
      const bg: Rgb = background === 'plain' ? [190, 200, 210] : [hash(px, py, 2) * 255, hash(px, py, 3) * 255, hash(px, py, 4) * 255];
      const colour = faceColour(fx, fy, noise) ?? bg;
      data.set(colour.map((c) => Math.max(0, Math.min(255, Math.round(c)))), (py * width + px) * 3);
    }
  }
  const image: RgbImage = { width, height, data };
  const landmarks = FACE_68.map(([x, y]): Point => [cx + x * iod, cy + y * iod]);
  const box: Box = { x1: cx - 1.1 * iod, y1: cy - 0.75 * iod, x2: cx + 1.1 * iod, y2: cy + 1.6 * iod };
  const toPixel = (x: number, y: number): Point => [cx + x * iod, cy + y * iod];
  return {
    inputs: {
      image,
      box,
      landmarks,
      faceCount: options.faceCount ?? 1,
      eyesOpen: options.eyesOpen ?? { left: 0.97, right: 0.95 },
      pose: options.pose ?? { yaw: 2, pitch: -3, roll: 1 },
    },
    cover(x0, y0, x1, y1, colour) {
      const [px0, py0] = toPixel(x0, y0);
      const [px1, py1] = toPixel(x1, y1);
      for (let py = Math.max(0, Math.floor(py0)); py < Math.min(height, Math.ceil(py1)); py++) {
        for (let px = Math.max(0, Math.floor(px0)); px < Math.min(width, Math.ceil(px1)); px++) data.set(colour, (py * width + px) * 3);
      }
    },
    map(f) {
      for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(f(data[i], Math.floor(i / 3) % width, Math.floor(i / 3 / width)))));
    },
  };
}

const assess = (s: Scene): QualityAssessment => assessQuality(s.inputs);

describe('assessQuality on a clean synthetic portrait', () => {
  const a = assess(scene());

  it('is compliant, with every visibility above the spec thresholds', () => {
    assert.equal(a.icao.is_compliant, true, JSON.stringify(a.icao));
    assert.equal(a.icao.eyes_full_visibility, true);
    for (const key of ['eyeL_visibility', 'eyeR_visibility', 'nose_visibility', 'mouth_visibility'] as const) assert.ok(a.icao[key] >= 60, `${key} = ${a.icao[key]}`);
    for (const key of ['top_visibility', 'bottom_visibility', 'sideL_visibility', 'sideR_visibility'] as const) assert.ok(a.icao[key] >= 80, `${key} = ${a.icao[key]}`);
  });

  it('reports every icao metric as an integer 0-100', () => {
    for (const [key, value] of Object.entries(a.icao)) {
      if (typeof value === 'number') assert.ok(Number.isInteger(value) && value >= 0 && value <= 100, `${key} = ${value}`);
    }
  });

  it('sees a well exposed, evenly lit face on a plain background', () => {
    assert.ok(a.icao.over_exposure <= 5 && a.icao.under_exposure <= 5, JSON.stringify(a.icao));
    assert.ok(a.icao.illumination_uniformity >= 90, `illumination ${a.icao.illumination_uniformity}`);
    assert.ok(a.icao.background_continuity >= 90, `background ${a.icao.background_continuity}`);
  });

  it('passes the quality block and both quality modes', () => {
    assert.deepEqual({ status: a.quality.eyes_status, pose: a.quality.head_pose_check, qc: a.quality.qc_passed }, { status: 'OPEN', pose: true, qc: true });
    assert.equal(a.quality.eyes_open_metric, 95);
    assert.ok(Math.abs(a.measurements.interOcularDistance - 80) < 0.01);
    assert.equal(qualityModeRejection(a, 'ENROL'), null);
    assert.equal(qualityModeRejection(a, 'VERIFY'), null);
  });
});

describe('assessQuality detects faults', () => {
  const clean = assess(scene());

  it('a black rectangle over the mouth drops mouth_visibility below 45 and compliance', () => {
    const s = scene();
    s.cover(-0.5, 0.8, 0.5, 1.25, [0, 0, 0]);
    const a = assess(s);
    assert.ok(a.icao.mouth_visibility < 45, `mouth ${a.icao.mouth_visibility}`);
    assert.ok(a.icao.eyeL_visibility >= 60 && a.icao.nose_visibility > 45, 'the rest of the face stays visible');
    assert.equal(a.icao.is_compliant, false);
    assert.equal(qualityModeRejection(a, 'ENROL'), 'Face partially occluded');
  });

  it('a flat skin-coloured patch over the mouth (a hand) is not a visible mouth', () => {
    const s = scene();
    s.cover(-0.5, 0.8, 0.5, 1.25, SKIN);
    assert.ok(assess(s).icao.mouth_visibility < 45);
  });

  it('dark glasses hide the eyes', () => {
    const s = scene();
    s.cover(-0.8, -0.15, -0.2, 0.15, [25, 25, 30]);
    s.cover(0.2, -0.15, 0.8, 0.15, [25, 25, 30]);
    const a = assess(s);
    assert.ok(a.icao.eyeL_visibility < 30 && a.icao.eyeR_visibility < 30, `${a.icao.eyeL_visibility}/${a.icao.eyeR_visibility}`);
    assert.equal(a.icao.eyes_full_visibility, false);
  });

  it('eyeL is the eye on the image\'s left', () => {
    const s = scene();
    s.cover(-0.8, -0.15, -0.2, 0.15, [25, 25, 30]);
    const a = assess(s);
    assert.ok(a.icao.eyeL_visibility < 30 && a.icao.eyeR_visibility >= 80, `${a.icao.eyeL_visibility}/${a.icao.eyeR_visibility}`);
  });

  it('glare over one eye clears eyes_full_visibility', () => {
    const s = scene();
    s.cover(0.3, -0.08, 0.6, 0.08, [255, 255, 255]);
    assert.equal(assess(s).icao.eyes_full_visibility, false);
  });

  it('a face cut by the left edge of the frame loses sideL, not sideR', () => {
    const a = assess(scene({ centre: [60, 200] }));
    assert.ok(a.icao.sideL_visibility < 20, `sideL ${a.icao.sideL_visibility}`);
    assert.ok(a.icao.sideR_visibility >= 80, `sideR ${a.icao.sideR_visibility}`);
    assert.equal(a.icao.is_compliant, false);
  });

  it('a face cut by the bottom of the frame loses bottom and mouth', () => {
    const a = assess(scene({ centre: [320, 400] }));
    assert.ok(a.icao.bottom_visibility < clean.icao.bottom_visibility && a.icao.bottom_visibility <= 20, `bottom ${a.icao.bottom_visibility}`);
    assert.ok(a.icao.mouth_visibility < clean.icao.mouth_visibility, `mouth ${a.icao.mouth_visibility}`);
  });

  it('a heavily overexposed frame raises over_exposure and lowers quality', () => {
    const s = scene();
    s.map((v) => v * 3);
    const a = assess(s);
    assert.ok(a.icao.over_exposure >= 80, `over ${a.icao.over_exposure}`);
    assert.equal(a.icao.under_exposure, 0);
    assert.ok(a.quality.quality_metric < clean.quality.quality_metric - 20);
  });

  it('a very dark frame raises under_exposure', () => {
    const s = scene();
    s.map((v) => v * 0.12);
    const a = assess(s);
    assert.ok(a.icao.under_exposure >= 80, `under ${a.icao.under_exposure}`);
    assert.equal(a.icao.over_exposure, 0);
  });

  it('light falling off across the face lowers illumination_uniformity', () => {
    const s = scene();
    s.map((v, x) => v * Math.min(1, Math.max(0.25, (x - 240) / 160)));
    const a = assess(s);
    assert.ok(a.icao.illumination_uniformity <= clean.icao.illumination_uniformity - 50, `illumination ${a.icao.illumination_uniformity}`);
    assert.ok(a.icao.sideL_visibility > 20 && a.icao.sideR_visibility > 20, 'shading is not occlusion');
  });

  it('a noisy background scores lower continuity than a plain one', () => {
    const noisy = assess(scene({ background: 'noisy' }));
    assert.ok(noisy.icao.background_continuity <= 20, `noisy ${noisy.icao.background_continuity}`);
    assert.ok(clean.icao.background_continuity - noisy.icao.background_continuity >= 60);
  });

  it('blur lowers sharpness and quality_metric, and ENROL names quality, not occlusion', () => {
    const s = scene();
    const { width, height, data } = s.inputs.image;
    const source = Uint8Array.from(data);
    const radius = 6;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0, n = 0;
          for (let dy = -radius; dy <= radius; dy += 2) {
            for (let dx = -radius; dx <= radius; dx += 2) {
              const sx = Math.min(width - 1, Math.max(0, x + dx));
              const sy = Math.min(height - 1, Math.max(0, y + dy));
              sum += source[(sy * width + sx) * 3 + c];
              n++;
            }
          }
          data[(y * width + x) * 3 + c] = Math.round(sum / n);
        }
      }
    }
    const a = assess(s);
    assert.ok(a.measurements.sharpness < clean.measurements.sharpness / 10, `${a.measurements.sharpness} vs ${clean.measurements.sharpness}`);
    assert.ok(a.quality.quality_metric < 50, `quality ${a.quality.quality_metric}`);
    assert.equal(qualityModeRejection(a, 'ENROL'), 'Non-compliant quality');
  });
});

describe('eyes, pose and faces', () => {
  it('eyes_status is CLOSED when the less open eye is below 10%', () => {
    const a = assess(scene({ eyesOpen: { left: 0.02, right: 0.9 } }));
    assert.equal(a.quality.eyes_status, 'CLOSED');
    assert.equal(a.quality.eyes_open_metric, 2);
    assert.equal(a.icao.eyes_full_visibility, false);
    assert.equal(a.icao.is_compliant, false);
    assert.equal(qualityModeRejection(a, 'ENROL'), 'Face partially occluded');
  });

  it('eyes_status is OPEN at exactly 10.0', () => {
    assert.equal(assess(scene({ eyesOpen: { left: 0.1, right: 0.9 } })).quality.eyes_status, 'OPEN');
  });

  it('yaw 40 fails head_pose_check and ENROL, not VERIFY', () => {
    const a = assess(scene({ pose: { yaw: 40, pitch: 0, roll: 0 } }));
    assert.equal(a.quality.head_pose_check, false);
    assert.equal(qualityModeRejection(a, 'ENROL'), 'non-compliant head pose');
    assert.equal(qualityModeRejection(a, 'VERIFY'), null);
    assert.equal(qualityModeRejection(a, 'DISABLED'), null);
  });

  it('thresholds can be overridden', () => {
    const s = scene({ pose: { yaw: 40, pitch: 0, roll: 0 } });
    assert.equal(assessQuality(s.inputs, { maxYaw: 45 }).quality.head_pose_check, true);
  });

  it('a second face sets multiple_faces and breaks compliance', () => {
    const a = assess(scene({ faceCount: 2 }));
    assert.equal(a.icao.multiple_faces, true);
    assert.equal(a.icao.is_compliant, false);
  });
});

describe('inter-ocular distance', () => {
  it('16 px between the eyes fails both modes', () => {
    const a = assess(scene({ width: 320, height: 240, iod: 16 }));
    assert.equal(qualityModeRejection(a, 'ENROL'), 'Inter ocular distance too small');
    assert.equal(qualityModeRejection(a, 'VERIFY'), 'Inter ocular distance too small');
  });

  it('28 px fails ENROL but passes VERIFY', () => {
    const a = assess(scene({ width: 320, height: 240, iod: 28 }));
    assert.equal(qualityModeRejection(a, 'ENROL'), 'Inter ocular distance too small');
    assert.equal(qualityModeRejection(a, 'VERIFY'), null);
  });
});

it('assesses a 640x480 frame in a few milliseconds', () => {
  const { inputs } = scene();
  for (let i = 0; i < 5; i++) assessQuality(inputs);
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) assessQuality(inputs);
  const perCall = (performance.now() - start) / runs;
  // Generous bound for slow CI machines; about 2 ms on a developer laptop.
  assert.ok(perCall < 25, `${perCall.toFixed(2)} ms per call`);
});
