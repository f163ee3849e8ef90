import { subscribe } from '../../core/events/domain-events';
import type { FeatureModule, Platform } from '../../core/module';
import './accounts.events';
import type { Actor } from './actor';
import { mountRecoveryRoutes } from './recovery.routes';
import { createRecoveryService } from './recovery.service';

/** Password reset by email and address confirmation: getting back in without an admin. */
export function recoveryModule(platform: Platform<Actor>) {
  const { db, work, mail, realtime, languages, config, createLimiter } = platform;
  const recovery = createRecoveryService({
    db,
    work,
    mail,
    realtime,
    languages,
    config,
    limits: {
      // A public form that sends mail, like sign-up: the same limit per client address.
      resetsPerClient: createLimiter({ keyPrefix: 'reset-client', points: config.limits.signUpsPerAddressPerHour, durationSeconds: 60 * 60 }),
      resetsPerAddress: createLimiter({ keyPrefix: 'reset-address', points: 3, durationSeconds: 60 * 60 }),
      verificationsPerMember: createLimiter({ keyPrefix: 'verify-member', points: 3, durationSeconds: 60 * 60 }),
      confirmsPerClient: createLimiter({ keyPrefix: 'token-client', points: Math.max(30, config.limits.signUpsPerAddressPerHour), durationSeconds: 60 * 60 }),
    },
  });
  return {
    name: 'recovery',
    routes(router) {
      mountRecoveryRoutes(router, { recovery });
    },
    subscriptions: [
      subscribe({
        event: 'account.address-to-confirm',
        name: 'recovery.confirm-address',
        durable: true,
        handle: ({ userId, email }) => recovery.doSendVerification(userId, email),
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
