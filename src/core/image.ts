/**
 * Pure image math on interleaved 8-bit RGB buffers. Every model input in the
 * engine is produced by `sampleToTensor`: resizing, cropping, padding and face
 * alignment are all one affine map from output pixels to source pixels, so the
 * image is read once per model input and never copied in between.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved R, G, B; length width * height * 3. */
  readonly data: Uint8Array;
}

/** Row-major 2x3 affine matrix [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type Affine = readonly [number, number, number, number, number, number];

export type ChannelLayout = 'RGB' | 'BGR' | 'GRAY';

export interface TensorSpec {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelLayout;
  /** value = (pixel - mean) * scale, per channel in output order or one for all. */
  readonly mean: number | readonly number[];
  readonly scale: number | readonly number[];
}

/** Pixels outside the source: 'edge' repeats the border, a number fills with that gray level. */
export type Border = 'edge' | number;

const channelOrder: Record<ChannelLayout, readonly number[]> = { RGB: [0, 1, 2], BGR: [2, 1, 0], GRAY: [0] };

function perChannel(value: number | readonly number[], index: number): number {
  return typeof value === 'number' ? value : value[index];
}

/**
 * Fills an NCHW float tensor by bilinear sampling: for each output pixel (u, v)
 * the source position is `outToSrc` applied to (u + 0.5, v + 0.5), minus 0.5.
 */
export function sampleToTensor(img: RgbImage, outToSrc: Affine, spec: TensorSpec, border: Border = 'edge'): Float32Array {
  const { width: ow, height: oh } = spec;
  const order = channelOrder[spec.channels];
  const planes = order.length;
  const out = new Float32Array(planes * ow * oh);
  const [a, b, c, d, e, f] = outToSrc;
  const means = order.map((_, i) => perChannel(spec.mean, i));
  const scales = order.map((_, i) => perChannel(spec.scale, i));
  const rgb = [0, 0, 0];
  const plane = ow * oh;
  for (let v = 0; v < oh; v++) {
    for (let u = 0; u < ow; u++) {
      const sx = a * (u + 0.5) + b * (v + 0.5) + c - 0.5;
      const sy = d * (u + 0.5) + e * (v + 0.5) + f - 0.5;
      bilinearRgb(img, sx, sy, border, rgb);
      const o = v * ow + u;
      if (planes === 1) {
        out[o] = (luma(rgb[0], rgb[1], rgb[2]) - means[0]) * scales[0];
      } else {
        for (let p = 0; p < 3; p++) out[p * plane + o] = (rgb[order[p]] - means[p]) * scales[p];
      }
    }
  }
  return out;
}

export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

export function bilinearRgb(img: RgbImage, x: number, y: number, border: Border, out: number[]): void {
  const { width: w, height: h, data } = img;
  if (border !== 'edge' && (x < -1 || y < -1 || x > w || y > h)) {
    out[0] = out[1] = out[2] = border;
    return;
  }
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let ch = 0; ch < 3; ch++) {
    const p00 = pixel(x0, y0, ch, border, data, w, h);
    const p10 = pixel(x0 + 1, y0, ch, border, data, w, h);
    const p01 = pixel(x0, y0 + 1, ch, border, data, w, h);
    const p11 = pixel(x0 + 1, y0 + 1, ch, border, data, w, h);
    out[ch] = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
  }
}

function pixel(x: number, y: number, ch: number, border: Border, data: Uint8Array, w: number, h: number): number {
  if (x < 0 || y < 0 || x >= w || y >= h) {
    if (border !== 'edge') return border;
    x = x < 0 ? 0 : x >= w ? w - 1 : x;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
  }
  return data[(y * w + x) * 3 + ch];
}

/** Affine that maps an output of size (ow, oh) onto the source rectangle (x, y, w, h). */
export function rectToOutput(x: number, y: number, w: number, h: number, ow: number, oh: number): Affine {
  return [w / ow, 0, x, 0, h / oh, y];
}

/** Crops a rectangle into a new RGB image (edge-replicated outside), for quality metrics and thumbnails. */
export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number, ow: number, oh: number): RgbImage {
  const planar = sampleToTensor(img, rectToOutput(x, y, w, h, ow, oh), { width: ow, height: oh, channels: 'RGB', mean: 0, scale: 1 });
  const data = new Uint8Array(ow * oh * 3);
  const plane = ow * oh;
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) data[i * 3 + ch] = Math.round(planar[ch * plane + i]);
  }
  return { width: ow, height: oh, data };
}

/** Mean luma of a region (default: the whole image) over about 4,000 grid samples: cheap at any size. */
export function meanLuma(img: RgbImage, region = { x: 0, y: 0, width: img.width, height: img.height }): number {
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(img.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(img.height, Math.ceil(region.y + region.height));
  const step = Math.max(1, Math.floor(Math.sqrt(((x1 - x0) * (y1 - y0)) / 4096)));
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y += step) {
    for (let x = x0; x < x1; x += step) {
      const i = (y * img.width + x) * 3;
      sum += luma(img.data[i], img.data[i + 1], img.data[i + 2]);
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}
