// The server's catalogues (see shared/i18n/locales.ts): problem details, emails, the bot, moderation notices.
import en_problems from '../../../shared/i18n/en/problems.json';
import en_mail from '../../../shared/i18n/en/mail.json';
import en_bot from '../../../shared/i18n/en/bot.json';
import en_moderation from '../../../shared/i18n/en/moderation.json';
import en_notify from '../../../shared/i18n/en/notify.json';
import fr_problems from '../../../shared/i18n/fr/problems.json';
import fr_mail from '../../../shared/i18n/fr/mail.json';
import fr_bot from '../../../shared/i18n/fr/bot.json';
import fr_moderation from '../../../shared/i18n/fr/moderation.json';
import fr_notify from '../../../shared/i18n/fr/notify.json';
import ar_problems from '../../../shared/i18n/ar/problems.json';
import ar_mail from '../../../shared/i18n/ar/mail.json';
import ar_bot from '../../../shared/i18n/ar/bot.json';
import ar_moderation from '../../../shared/i18n/ar/moderation.json';
import ar_notify from '../../../shared/i18n/ar/notify.json';

export const serverCatalogues = {
  en: { problems: en_problems, mail: en_mail, bot: en_bot, moderation: en_moderation, notify: en_notify },
  fr: { problems: fr_problems, mail: fr_mail, bot: fr_bot, moderation: fr_moderation, notify: fr_notify },
  ar: { problems: ar_problems, mail: ar_mail, bot: ar_bot, moderation: ar_moderation, notify: ar_notify },
};
