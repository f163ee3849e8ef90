import { hash, verify } from '@node-rs/argon2';
import type { FieldError } from '../errors';

// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~20 ms a hash, and a burst of sign-ins
// cannot exhaust a small server's memory.
// @node-rs/argon2 ships prebuilt binaries per platform and runs no install script (see
// docs/decisions/005-accounts-and-sessions.md for why not the `argon2` package).
const hashOptions = { algorithm: 2 /* Argon2id (a const enum, which isolatedModules cannot import) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, hashOptions);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** Spends the time a real verification would, so a missing account is not told apart by timing. */
let dummyHash: Promise<string> | undefined;
export async function burnVerification(password: string): Promise<void> {
  dummyHash ??= hashPassword('hearth-timing-equaliser');
  await verifyPassword(await dummyHash, password);
}

// The most used passwords of at least 10 characters in public breach corpora.
const common = new Set([
  '1234567890', '0123456789', '0987654321', '1111111111', '123456789a', 'a123456789', '1q2w3e4r5t',
  'qwertyuiop', 'password12', 'password123', 'password1234', 'passw0rd123', 'iloveyou12', 'qwerty1234',
  'qwerty12345', '1qaz2wsx3edc', 'asdfghjkl1', 'zxcvbnm123', 'letmein123', 'welcome123', 'welcome2024',
  'welcome2025', 'welcome2026', 'football12', 'baseball12', 'superman12', 'princess12', 'sunshine12',
  'starwars12', 'dragon1234', 'monkey1234', 'abcdef1234', 'abc1234567', 'changeme12', 'changeme123',
  'administrator', 'adminadmin', 'password!1', 'p@ssw0rd12', 'trustno1234', 'computer12', 'internet12',
  'community1', 'community123', 'hearth1234', 'hearth12345', 'qazwsxedcrfv', '11223344556', '1234512345',
  '1234554321', '9876543210', 'aaaaaaaaaa', 'passwordpassword', 'iloveyou123', 'whatever12',
]);

/** The rules a new password must meet, each failure with a reason a person can act on. */
export function checkPasswordRules(password: string, context: { email?: string; handle?: string }): FieldError[] {
  const errors: FieldError[] = [];
  const lower = password.toLowerCase();
  if (password.length < 10) errors.push({ path: 'password', message: 'must be at least 10 characters' });
  if (password.length > 256) errors.push({ path: 'password', message: 'must be at most 256 characters' });
  if (common.has(lower)) errors.push({ path: 'password', message: 'is one of the most common passwords; choose another' });
  if (/^(.)\1+$/.test(password)) errors.push({ path: 'password', message: 'must not be one character repeated' });
  const localPart = context.email?.split('@')[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && lower.includes(localPart)) {
    errors.push({ path: 'password', message: 'must not contain your email address' });
  }
  if (context.handle && context.handle.length >= 3 && lower.includes(context.handle.toLowerCase())) {
    errors.push({ path: 'password', message: 'must not contain your handle' });
  }
  return errors;
}
