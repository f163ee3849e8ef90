// The browser's catalogues for one language, in one chunk (see shared/i18n/locales.ts).
import common from '../../../shared/i18n/ar/common.json';
import shell from '../../../shared/i18n/ar/shell.json';
import chat from '../../../shared/i18n/ar/chat.json';
import content from '../../../shared/i18n/ar/content.json';
import moderation from '../../../shared/i18n/ar/moderation.json';
import onboarding from '../../../shared/i18n/ar/onboarding.json';
import admin from '../../../shared/i18n/ar/admin.json';
import spaces from '../../../shared/i18n/ar/spaces.json';
import account from '../../../shared/i18n/ar/account.json';
import errors from '../../../shared/i18n/ar/errors.json';
import notifications from '../../../shared/i18n/ar/notifications.json';
import calendar from '../../../shared/i18n/ar/calendar.json';

export default { common, shell, chat, content, moderation, onboarding, admin, spaces, account, errors, notifications, calendar };
