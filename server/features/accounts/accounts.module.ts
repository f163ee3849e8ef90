import type { FeatureModule, Platform } from '../../core/module';
import { subscribe } from '../../core/events/domain-events';
import { readSiteRow } from '../site/site.public';
import './accounts.events';
import { mountAccountRoutes } from './accounts.routes';
import { createAccountsService } from './accounts.service';
import type { Actor } from './actor';
import { createAdminService } from './admin.service';
import { createGuidelinesService } from './guidelines.service';
import { createOidc } from './oidc';

/** Accounts: sign-up and sign-in (local and single sign-on), profiles, guidelines, and the admin's members screens. */
export function accountsModule(platform: Platform<Actor>) {
  const { config, db, logger, realtime, work, createLimiter } = platform;
  const limiters = {
    signInAccount: createLimiter({ keyPrefix: 'signin-account', points: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 }),
    signInAddress: createLimiter({ keyPrefix: 'signin-address', points: config.limits.signInFailuresPerAddressPerHour, durationSeconds: 60 * 60 }),
    signUpAddress: createLimiter({ keyPrefix: 'signup-address', points: config.limits.signUpsPerAddressPerHour, durationSeconds: 60 * 60 }),
  };
  const accounts = createAccountsService({ db, config, realtime, limiters, work, languages: platform.languages });
  const guidelines = createGuidelinesService({ db, realtime, sessionUserOf: accounts.sessionUserOf, work });
  const admin = createAdminService({ db, config, realtime, accounts });
  const oidc = createOidc({ config, logger, accounts });
  return {
    name: 'accounts',
    api: { accounts },
    routes(router) {
      mountAccountRoutes(router, {
        config,
        accounts,
        guidelines,
        admin,
        oidc,
        memberSeq: (userId) => platform.memberLog.head(db, userId),
        authConfig: async () => {
          const row = await readSiteRow(db);
          return {
            registrationPolicy: row.registrationPolicy,
            localAccounts: row.localAccounts,
            minimumAge: row.minimumAge,
            firstAccount: !(await accounts.hasHumanAccounts()),
          };
        },
      });
    },
    subscriptions: [
      // A member's own log holds mentions and notices about them: it goes with the account.
      subscribe({
        event: 'account.erased',
        name: 'accounts.forget-member-log',
        durable: true,
        handle: ({ userId }) => platform.memberLog.forget(db, userId),
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
