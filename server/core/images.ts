// Uploaded images (member and space avatars): recognised by their bytes, never by the name or the
// declared type, re-encoded so no metadata (EXIF with its GPS position, XMP, comments) and no
// bytes but the picture's are kept, stored in the database so every node serves them, and only
// ever served as images.
import type { Request, Response } from 'express';
import multer from 'multer';
import sharp from 'sharp';
import { AppError, problem } from './errors';

export const MAX_IMAGE_BYTES = 1024 * 1024;
/** A 1 MB file can still decode to gigabytes of pixels: larger images are refused before decoding. */
const MAX_IMAGE_PIXELS = 50_000_000;

const IMAGE_TYPES: { type: string; magic: (b: Buffer) => boolean }[] = [
  { type: 'image/png', magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', magic: (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a' },
  { type: 'image/webp', magic: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

export interface StoredImage {
  contentType: string;
  data: Buffer;
  updatedAt: Date;
}

/** Parses a multipart body with one image in `field` (at most 1 MB); call it only after the caller is admitted. */
export function parseImageUpload(field: string): (req: Request, res: Response) => Promise<void> {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 0, parts: 2 },
  }).single(field);
  return (req, res) => new Promise((resolve, reject) => upload(req, res, (error: unknown) => (error ? reject(error) : resolve())));
}

/**
 * The image's content type from its first bytes, and the picture re-encoded in the same format
 * without its metadata (sharp keeps none unless asked; the EXIF orientation is applied first, so
 * a photo still shows the right way up). Throws a clear error for anything else.
 */
export async function checkImage(file: { buffer: Buffer; size: number } | undefined, field: string): Promise<{ contentType: string; data: Buffer }> {
  if (!file) throw new AppError('validation_failed', problem('Attach an image in the form field "{{field}}"', { field }));
  if (file.size > MAX_IMAGE_BYTES) throw new AppError('payload_too_large', 'An image may be at most 1 MB');
  const kind = IMAGE_TYPES.find((t) => t.magic(file.buffer));
  if (!kind) throw new AppError('unsupported_media_type', 'An image must be a PNG, JPEG, GIF or WebP file');
  let data: Buffer;
  try {
    data = await reencode(file.buffer, kind.type);
  } catch {
    throw new AppError('unsupported_media_type', 'This image could not be read: upload a PNG, JPEG, GIF or WebP file');
  }
  // Re-encoding may grow a tightly compressed file a little; it must not grow it without bound.
  if (data.length > 2 * MAX_IMAGE_BYTES) throw new AppError('payload_too_large', 'An image may be at most 1 MB');
  return { contentType: kind.type, data };
}

async function reencode(input: Buffer, type: string): Promise<Buffer> {
  // A damaged picture whose header reads is kept as far as it decodes, as a browser would show it
  // (failOn: 'none'); what comes out is always a clean, whole file. No readable header: refused.
  const image = sharp(input, { animated: type === 'image/gif' || type === 'image/webp', limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'none' });
  switch (type) {
    case 'image/jpeg':
      return image.rotate().jpeg({ quality: 90 }).toBuffer();
    case 'image/webp':
      // Turned upright from its EXIF orientation, unless animated (frames are kept as they are).
      return ((await image.metadata()).pages ?? 1) > 1 ? image.webp({ quality: 90 }).toBuffer() : image.rotate().webp({ quality: 90 }).toBuffer();
    case 'image/png':
      return image.png().toBuffer();
    default:
      return image.gif().toBuffer();
  }
}

/** Sends a stored image with a validator and headers that keep uploaded bytes from ever acting as a page. */
export function sendImage(req: Request, res: Response, image: StoredImage): void {
  const etag = `"${image.updatedAt.getTime().toString(36)}"`;
  res.setHeader('Cache-Control', 'private, max-age=86400');
  res.setHeader('ETag', etag);
  res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; sandbox");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.type(image.contentType).send(image.data);
}
