import { FormState, messageOf, type FieldErrors } from './forms.svelte';

/** How one settings form saves. */
export interface SettingsSave<T> {
  /** The form's own checks: a message in `errors` for each field it refuses (nothing is sent then). */
  check?: (errors: FieldErrors) => void;
  /** Sends the fields; the answer (what holds now) fills them again. */
  send: () => Promise<T>;
  /** After "Saved" shows (what else follows the new settings); a failure here shows as the form's. */
  then?: () => Promise<unknown>;
}

/**
 * The state of an admin settings page that loads one set of settings and saves it with one button
 * (Admin → Settings, Moderation, Notifications): what the server holds or why it could not be read,
 * the form, and whether the last save went through ("Saved" shows until the next one).
 * `SettingsCard` shows it.
 * @example
 *   const settings = new SettingsForm<ModerationSettings>((loaded) => (autoHide = loaded.autoHide));
 *   onMount(() => settings.load(moderationApi.settings()));
 *   // <SettingsCard {settings} onSubmit={(event) => settings.save(event, { send: () => moderationApi.updateSettings({ autoHide }) })}>
 */
export class SettingsForm<T> {
  /** What the server holds; undefined until it is read. */
  loaded = $state<T>();
  loadError = $state<string>();
  saved = $state(false);
  readonly form = new FormState();
  readonly #fill: (settings: T) => void;

  /** `fill` puts what the server holds into the page's fields. */
  constructor(fill: (settings: T) => void) {
    this.#fill = fill;
  }

  load(request: Promise<T>): void {
    request.then(
      (settings) => this.accept(settings),
      (error: unknown) => (this.loadError = messageOf(error)),
    );
  }

  /** What the server holds now (an answer to any change): kept, and the fields show it. */
  accept(settings: T): void {
    this.loaded = settings;
    this.#fill(settings);
  }

  async save(event: SubmitEvent, { check, send, then }: SettingsSave<T>): Promise<void> {
    event.preventDefault();
    this.form.reset();
    this.saved = false;
    check?.(this.form.errors);
    if (this.form.showErrors()) return;
    await this.form.submit(async () => {
      this.accept(await send());
      this.saved = true;
      await then?.();
    });
  }
}
