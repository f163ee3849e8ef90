import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from './config';

/** The version in package.json, read once (the same file in development and in the image). */
export const version: string = (
  JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string }
).version;
