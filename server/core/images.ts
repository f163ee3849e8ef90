// Uploaded images (member and space avatars): recognised by their bytes, never by the name or the
// declared type, kept in the database so every node serves them, and only ever served as images.
import type { Request, Response } from 'express';
import multer from 'multer';
import { AppError } from './errors';

export const MAX_IMAGE_BYTES = 1024 * 1024;

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

/** The image's content type from its first bytes; throws a clear error for anything else. */
export function checkImage(file: { buffer: Buffer; size: number } | undefined, field: string): { contentType: string; data: Buffer } {
  if (!file) throw new AppError('validation_failed', `Attach an image in the form field "${field}"`);
  if (file.size > MAX_IMAGE_BYTES) throw new AppError('payload_too_large', 'An image may be at most 1 MB');
  const kind = IMAGE_TYPES.find((t) => t.magic(file.buffer));
  if (!kind) throw new AppError('unsupported_media_type', 'An image must be a PNG, JPEG, GIF or WebP file');
  return { contentType: kind.type, data: file.buffer };
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
