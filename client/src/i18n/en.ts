// The browser's catalogues for one language, in one chunk (see shared/i18n/locales.ts).
import common from '../../../shared/i18n/en/common.json';
import shell from '../../../shared/i18n/en/shell.json';
import chat from '../../../shared/i18n/en/chat.json';
import content from '../../../shared/i18n/en/content.json';
import moderation from '../../../shared/i18n/en/moderation.json';
import onboarding from '../../../shared/i18n/en/onboarding.json';
import admin from '../../../shared/i18n/en/admin.json';
import spaces from '../../../shared/i18n/en/spaces.json';
import account from '../../../shared/i18n/en/account.json';
import errors from '../../../shared/i18n/en/errors.json';
import notifications from '../../../shared/i18n/en/notifications.json';
import calendar from '../../../shared/i18n/en/calendar.json';

export default { common, shell, chat, content, moderation, onboarding, admin, spaces, account, errors, notifications, calendar };
