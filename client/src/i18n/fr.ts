// The browser's catalogues for one language, in one chunk (see shared/i18n/locales.ts).
import common from '../../../shared/i18n/fr/common.json';
import shell from '../../../shared/i18n/fr/shell.json';
import chat from '../../../shared/i18n/fr/chat.json';
import content from '../../../shared/i18n/fr/content.json';
import moderation from '../../../shared/i18n/fr/moderation.json';
import onboarding from '../../../shared/i18n/fr/onboarding.json';
import admin from '../../../shared/i18n/fr/admin.json';
import spaces from '../../../shared/i18n/fr/spaces.json';
import account from '../../../shared/i18n/fr/account.json';
import errors from '../../../shared/i18n/fr/errors.json';
import notifications from '../../../shared/i18n/fr/notifications.json';
import calendar from '../../../shared/i18n/fr/calendar.json';

export default { common, shell, chat, content, moderation, onboarding, admin, spaces, account, errors, notifications, calendar };
