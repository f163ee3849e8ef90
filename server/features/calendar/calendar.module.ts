import type { FeatureModule, Platform } from '../../core/module';
import { AppError } from '../../core/errors';
import type { Actor } from '../accounts/actor';

/** The events calendar (decision 021). */
export function calendarModule(_platform: Platform<Actor>) {
  return {
    name: 'calendar',
    commands: {
      'calendar:rsvp': () => {
        throw AppError.notFound('No such event');
      },
    },
  } satisfies FeatureModule<Actor>;
}
