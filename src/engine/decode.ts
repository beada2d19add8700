import sharp from 'sharp';
import { FacegateError } from '../core/errors.js';
import type { RgbImage } from '../core/image.js';

export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 25_000_000;

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface DecodedImage {
  readonly image: RgbImage;
  readonly format: ImageFormat;
  /** Channels of the encoded file (1 gray, 2 gray+alpha, 3 colour, 4 colour+alpha). */
  readonly sourceChannels: number;
}

/** Recognises the container from its signature, so the error can say what was sent. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  return null;
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/**
 * Decodes JPEG, PNG or WebP into upright 8-bit RGB: EXIF orientation applied,
 * gray expanded to three channels, transparency flattened onto white.
 */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  if (bytes.length === 0) throw new FacegateError('ERROR_INVALID_FORMAT', 'Could not decode image: the image is empty (0 bytes)');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new FacegateError('ERROR_INVALID_IMAGE', `image is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${MAX_IMAGE_BYTES / 1048576} MB`);
  }
  const format = sniffFormat(bytes);
  if (!format) throw new FacegateError('ERROR_INVALID_FORMAT', 'Could not decode image: unsupported format; send JPEG, PNG or WebP');
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new FacegateError('ERROR_INVALID_FORMAT', `Could not decode image: corrupt ${format.toUpperCase()} (${(err as Error).message})`);
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new FacegateError('ERROR_INVALID_IMAGE', `image is ${meta.width}x${meta.height} (${(pixels / 1e6).toFixed(1)} MP); the limit is ${MAX_IMAGE_PIXELS / 1e6} MP`);
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoder produced ${info.channels} channels`);
    return {
      image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
      format,
      sourceChannels: meta.channels ?? 3,
    };
  } catch (err) {
    throw new FacegateError('ERROR_INVALID_FORMAT', `Could not decode image: truncated or corrupt ${format.toUpperCase()} (${(err as Error).message})`);
  }
}
