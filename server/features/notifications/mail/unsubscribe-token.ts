// Signed unsubscribe links (decision 022): the token names a member and what to stop, and carries
// an HMAC-SHA256 under a key derived from the server's session secret, so nobody can make one for
// another member (a raw id alone would let anyone turn anyone's mail off) and no row is stored.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A kind's immediate mail, the digest, or every notification email. */
export type UnsubscribeScope = string;

export interface UnsubscribeClaim {
  userId: string;
  /** A notification kind, 'digest' or 'all'. */
  scope: UnsubscribeScope;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createUnsubscribeTokens(secret: string) {
  // Its own key: a token is no session signature, and a session cookie is no token.
  const key = createHmac('sha256', secret).update('hearth:notification-unsubscribe:v1').digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest();

  return {
    /** `<base64url(userId|scope)>.<base64url(hmac)>` */
    sign(claim: UnsubscribeClaim): string {
      const body = Buffer.from(`${claim.userId}|${claim.scope}`, 'utf8').toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },

    /** The claim when the token is one this server signed, unaltered; else undefined. */
    verify(token: string): UnsubscribeClaim | undefined {
      const [body, signature, extra] = token.split('.');
      if (!body || !signature || extra !== undefined) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const [userId, scope, more] = Buffer.from(body, 'base64url').toString('utf8').split('|');
      if (!userId || !scope || more !== undefined || !uuidPattern.test(userId)) return undefined;
      return { userId, scope };
    },
  };
}

export type UnsubscribeTokens = ReturnType<typeof createUnsubscribeTokens>;
