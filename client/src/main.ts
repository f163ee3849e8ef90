import { mount } from 'svelte';
import { i18n } from './lib/i18n.svelte';
import { registerServiceWorker } from './lib/push.svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

// The service worker shows web pushes and makes the app installable (decision 023); it caches nothing.
registerServiceWorker().catch(() => undefined);

// The language's catalogues load before the first render, so nothing flashes in English first;
// until then index.html's loading shell (inside #app) shows, and the app replaces it.
export default i18n.start().then(() => {
  target.replaceChildren();
  target.removeAttribute('aria-busy');
  return mount(App, { target });
});
