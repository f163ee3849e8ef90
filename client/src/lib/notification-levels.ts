import type { z } from 'zod';
import type { notificationLevelSchema } from '../../../shared/api/notifications.routes';
import type { NotificationTargetKind } from '../../../shared/protocol/notifications';
import type { MenuItem } from '../components/OverflowMenu.svelte';
import { api } from './api';
import { routes } from './api-routes';
import { formatDateTime } from './format';
import { t } from './i18n.svelte';

export type LevelView = z.infer<typeof notificationLevelSchema>;
export type MuteFor = '1h' | '1d' | '1w' | 'forever';

/** The catalogue key of a notification kind (kinds other features register show as "other"). */
export type KindKey =
  | 'mention'
  | 'reply'
  | 'thread'
  | 'reaction'
  | 'message'
  | 'joinRequest'
  | 'requestApproved'
  | 'invitation'
  | 'moderation'
  | 'guidelines'
  | 'newPost'
  | 'eventNew'
  | 'eventChanged'
  | 'eventCancelled'
  | 'eventReminder'
  | 'eventOffer'
  | 'eventConfirmation'
  | 'other';

const kindKeys: Record<string, KindKey> = {
  mention: 'mention',
  reply: 'reply',
  thread: 'thread',
  reaction: 'reaction',
  message: 'message',
  'join-request': 'joinRequest',
  'request-approved': 'requestApproved',
  invitation: 'invitation',
  moderation: 'moderation',
  guidelines: 'guidelines',
  'new-post': 'newPost',
  'event.new': 'eventNew',
  'event.changed': 'eventChanged',
  'event.cancelled': 'eventCancelled',
  'event.reminder': 'eventReminder',
  'event.offer': 'eventOffer',
  'event.confirmation': 'eventConfirmation',
};

/** The catalogue key of a kind, in the centre's texts and the preferences alike. */
export const kindKeyOf = (kind: string): KindKey => kindKeys[kind] ?? 'other';

/**
 * A kind's name and one-line explanation in the page's language.
 * @example kindWords('mention') // → { name: 'Mentions', hint: 'Someone writes your @handle…' }
 */
export function kindWords(kind: string): { name: string; hint: string } {
  const key = kindKeyOf(kind);
  return { name: t(`notifications:preferences.kinds.${key}.name`), hint: t(`notifications:preferences.kinds.${key}.hint`) };
}

/** "All posts" of a space or thread; "All messages" of a conversation. */
const allLabel = (targetKind: NotificationTargetKind | undefined): string =>
  targetKind === 'conversation' ? t('notifications:levels.allMessages') : t('notifications:levels.all');

/**
 * A level in words: "All posts" ("All messages" for a conversation), "Muted until 3 May, 14:00",
 * with "(default)" when I chose nothing.
 * @example levelWords({ level: 'muted', mutedUntil: null, isDefault: false, … }) // → 'Muted'
 */
export function levelWords(view: Pick<LevelView, 'level' | 'mutedUntil' | 'isDefault'> & { targetKind?: NotificationTargetKind }): string {
  const words =
    view.level === 'muted'
      ? view.mutedUntil
        ? t('notifications:levels.mutedUntil', { until: formatDateTime(view.mutedUntil) })
        : t('notifications:levels.muted')
      : view.level === 'all'
        ? allLabel(view.targetKind)
        : t(`notifications:levels.${view.level}`);
  return view.isDefault ? t('notifications:levels.isDefault', { level: words }) : words;
}

export function setLevel(targetKind: NotificationTargetKind, targetId: string, choice: { level: 'all' | 'mentions' } | { level: 'muted'; muteFor: MuteFor }): Promise<LevelView> {
  return api.call(routes.setNotificationLevel, { params: { targetKind, targetId }, body: choice });
}

export function resetLevel(targetKind: NotificationTargetKind, targetId: string): Promise<LevelView> {
  return api.call(routes.resetNotificationLevel, { params: { targetKind, targetId } });
}

export function loadLevel(targetKind: NotificationTargetKind, targetId: string): Promise<LevelView> {
  return api.call(routes.notificationLevel, { params: { targetKind, targetId } });
}

/**
 * Loads my level of a space or conversation for a bell menu and hands it to `apply`, unless the
 * returned cleanup ran first (an `$effect`'s: the page moved on). A failure shows no menu; the
 * level is in Settings → Notifications too.
 * @example $effect(() => showLevel('space', space.id, (found) => (level = found)));
 */
export function showLevel(targetKind: NotificationTargetKind, targetId: string, apply: (view: LevelView) => void): () => void {
  let stale = false;
  loadLevel(targetKind, targetId).then(
    (found) => {
      if (!stale) apply(found);
    },
    () => {},
  );
  return () => {
    stale = true;
  };
}

/**
 * The choices of a level menu: all, mentions (not for a conversation: every message in it is
 * written to me), mute for a while or until unmuted, and back to the default when I chose
 * something. `choose` runs the change (and says how it went).
 */
export function levelMenuItems(view: LevelView, choose: (change: () => Promise<LevelView>) => void, testid = 'level'): MenuItem[] {
  const { targetKind, targetId } = view;
  const current = view.isDefault ? undefined : view.level;
  const conversation = targetKind === 'conversation';
  const items: MenuItem[] = [
    {
      label: allLabel(targetKind),
      checked: current === 'all',
      testid: `${testid}-all`,
      onSelect: () => choose(() => setLevel(targetKind, targetId, { level: 'all' })),
    },
    ...(conversation
      ? []
      : [
          {
            label: t('notifications:levels.mentions'),
            checked: current === 'mentions',
            testid: `${testid}-mentions`,
            onSelect: () => choose(() => setLevel(targetKind, targetId, { level: 'mentions' })),
          },
        ]),
    ...(['1h', '1d', '1w', 'forever'] as const).map((muteFor) => ({
      label: t(`notifications:levels.muteFor.${muteFor}`),
      checked: current === 'muted' && (muteFor === 'forever') === (view.mutedUntil === null),
      testid: `${testid}-mute-${muteFor}`,
      onSelect: () => choose(() => setLevel(targetKind, targetId, { level: 'muted', muteFor })),
    })),
  ];
  if (!view.isDefault) items.push({ label: t('notifications:levels.backToDefault'), testid: `${testid}-default`, onSelect: () => choose(() => resetLevel(targetKind, targetId)) });
  return items;
}
