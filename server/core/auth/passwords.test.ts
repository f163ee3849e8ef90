import { checkPasswordRules, hashPassword, verifyPassword } from './passwords';

describe('password hashing', () => {
  test('when a password is hashed, then it is argon2id with 19 MiB, 2 passes, 1 lane, and only that password verifies', async () => {
    const hash = await hashPassword('correct horse battery staple');

    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
  });

  test('when the stored hash is garbage, then verification says no instead of throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});

describe('password rules', () => {
  test('when a password is long and unusual, then no rule objects', () => {
    expect(checkPasswordRules('tea kettle on the hill', { email: 'ada@example.org', handle: 'ada' })).toEqual([]);
  });

  test.each([
    ['short1', 'at least 10 characters'],
    ['qwertyuiop', 'most common'],
    ['zzzzzzzzzzzz', 'repeated'],
    ['lovelace-forever', 'email'],
    ['x-countess-x-x', 'handle'],
  ])('when the password is %p, then the reason mentions %p', (password, reason) => {
    const errors = checkPasswordRules(password, { email: 'lovelace@example.org', handle: 'countess' });
    expect(errors.map((e) => e.message).join(' ')).toContain(reason);
  });
});
