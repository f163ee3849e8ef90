// What the welcome bot and the welcome email say, and whether they are on: the network's one
// welcome settings group in the settings registry (server/core/settings, decision 013).
import { z } from 'zod';
import { MAX_MANAGERS, updateWelcomeSettingsSchema } from '../../../shared/api/welcome.routes';
import type { SettingsRegistry } from '../../core/settings/settings';
import { DEFAULT_TEMPLATES } from './templates';

// The same rules as the admins' form: a stored value is what that form accepted.
const field = updateWelcomeSettingsSchema.shape;

export const welcomeSettingsSchema = z.object({
  botEnabled: field.botEnabled.unwrap(),
  /** No foreign key any more: a space that is gone reads as none (welcome.service.ts). */
  welcomeSpaceId: field.welcomeSpaceId.unwrap(),
  postTemplate: field.postTemplate.unwrap(),
  messageTemplate: field.messageTemplate.unwrap(),
  emailEnabled: field.emailEnabled.unwrap(),
  emailSubject: field.emailSubject.unwrap(),
  emailTemplate: field.emailTemplate.unwrap(),
  managerName: field.managerName.unwrap(),
  joinWelcomeSpace: field.joinWelcomeSpace.unwrap(),
  /** The community managers' ids (the form names them by handle); empty: the admins. */
  managerIds: z.array(z.uuid()).max(MAX_MANAGERS),
});

export type WelcomeSettings = z.output<typeof welcomeSettingsSchema>;

/** Declares the group; texts nobody changed follow the built-in ones (templates.ts) of the running version. */
export function defineWelcomeSettings(registry: SettingsRegistry) {
  return registry.define({
    scope: 'site',
    key: 'welcome',
    schema: welcomeSettingsSchema,
    defaults: {
      botEnabled: true,
      welcomeSpaceId: null,
      postTemplate: DEFAULT_TEMPLATES.post,
      messageTemplate: DEFAULT_TEMPLATES.message,
      emailEnabled: true,
      emailSubject: DEFAULT_TEMPLATES.emailSubject,
      emailTemplate: DEFAULT_TEMPLATES.email,
      managerName: DEFAULT_TEMPLATES.manager,
      joinWelcomeSpace: true,
      managerIds: [],
    },
  });
}

export type WelcomeSettingsGroup = ReturnType<typeof defineWelcomeSettings>;

/** Whether the first-run checklist was dismissed by an admin (site-wide). */
export function defineChecklistSettings(registry: SettingsRegistry) {
  return registry.define({
    scope: 'site',
    key: 'first-run',
    schema: z.object({ checklistDismissed: z.boolean() }),
    defaults: { checklistDismissed: false },
  });
}

export type ChecklistSettingsGroup = ReturnType<typeof defineChecklistSettings>;
