// Types every `t('namespace:key')` in the client against the English catalogues.
import 'i18next';
import type en from './i18n/en';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: false;
    resources: typeof en;
    nsSeparator: ':';
    keySeparator: '.';
  }
}
