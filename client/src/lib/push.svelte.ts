// Web push in this browser (docs/decisions/023-web-push.md): the service worker, the browser's
// push subscription, and the member's devices as the server lists them.
import type { PushDevice } from '../../../shared/api/push.routes';
import { api } from './api';
import { routes } from './api-routes';
import { t } from './i18n.svelte';

export type { PushDevice };

/**
 * What this browser can do: 'unsupported' (no service worker or Push API), 'needs-home-screen'
 * (iPhone and iPad: only an app added to the home screen gets push, iOS 16.4+), 'denied' (the
 * member refused notifications for this site; only the browser's settings can undo it), or
 * 'available' (we may ask).
 */
export type PushSupport = 'unsupported' | 'needs-home-screen' | 'denied' | 'available';

/** iPhone and iPad, including an iPad that says it is a Mac. */
export function isAppleMobile(): boolean {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.userAgent.includes('Macintosh') && navigator.maxTouchPoints > 1);
}

function isStandalone(): boolean {
  return window.matchMedia?.('(display-mode: standalone)').matches === true || (navigator as { standalone?: boolean }).standalone === true;
}

export function pushSupport(): PushSupport {
  const apis = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (isAppleMobile() && !isStandalone()) return 'needs-home-screen';
  if (!apis) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return 'available';
}

/** Registers /sw.js for the whole site: what shows pushes, and what makes the app installable. */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  return navigator.serviceWorker.register('/sw.js', { scope: '/' });
}

/** A VAPID key as PushManager takes it (URL-safe base64 → bytes). */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** "Firefox, Linux": how the device list names this browser until the member renames it. */
function describeBrowser(): string {
  const agent = navigator.userAgent;
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrome\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : '';
  const system = /Android/.test(agent) ? 'Android' : isAppleMobile() ? 'iOS' : /Windows/.test(agent) ? 'Windows' : /Mac OS X/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : '';
  if (browser && system) return t('notifications:push.browserOn', { browser, system });
  return browser || system || t('notifications:push.thisBrowser');
}

/** My devices, and whether this browser is one of them. */
export class PushDevicesStore {
  devices = $state<PushDevice[]>([]);
  status = $state<'idle' | 'loading' | 'ready' | 'failed'>('idle');
  support = $state<PushSupport>('unsupported');
  /** This browser's push endpoint, when it is subscribed. */
  endpoint = $state<string | null>(null);

  /** Whether this browser receives my notifications. */
  get enabled(): boolean {
    return this.endpoint !== null && this.devices.some((device) => device.endpoint === this.endpoint);
  }

  isThisDevice(device: PushDevice): boolean {
    return device.endpoint === this.endpoint;
  }

  private async subscription(): Promise<PushSubscription | null> {
    if (!('serviceWorker' in navigator)) return null;
    const registration = await navigator.serviceWorker.getRegistration('/');
    return (await registration?.pushManager.getSubscription()) ?? null;
  }

  async load(): Promise<void> {
    this.support = pushSupport();
    if (this.status === 'idle' || this.status === 'failed') this.status = 'loading';
    try {
      const [{ devices }, subscription] = await Promise.all([api.call(routes.pushDevices), this.subscription().catch(() => null)]);
      this.devices = devices;
      this.endpoint = subscription?.endpoint ?? null;
      this.status = 'ready';
    } catch (error) {
      if (this.status !== 'ready') this.status = 'failed';
      throw error;
    }
  }

  /** Asks for permission, subscribes this browser with the server's key, and tells the server. */
  async enable(): Promise<void> {
    const permission = await Notification.requestPermission();
    this.support = pushSupport();
    if (permission !== 'granted') return;
    await registerServiceWorker();
    const registration = await navigator.serviceWorker.ready;
    const { publicKey } = await api.call(routes.pushKey);
    let subscription = await registration.pushManager.getSubscription();
    // A subscription made with another key (the server's keys changed) cannot be used: start again.
    const current = subscription?.options.applicationServerKey;
    if (subscription && current && new Uint8Array(current).join() !== keyBytes(publicKey).join()) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
    const json = subscription.toJSON();
    const device = await api.call(routes.subscribePush, {
      body: { endpoint: subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' }, label: describeBrowser() },
    });
    this.endpoint = subscription.endpoint;
    this.devices = [device, ...this.devices.filter((other) => other.id !== device.id)];
  }

  /** Stops notifications in this browser: the server forgets it, the browser drops its subscription. */
  async disable(): Promise<void> {
    const mine = this.devices.find((device) => this.isThisDevice(device));
    if (mine) await this.remove(mine.id);
    else await (await this.subscription())?.unsubscribe();
    this.endpoint = null;
  }

  /**
   * Before signing out: this browser stops receiving the member's pushes (a shared computer must not
   * show the next person someone else's notifications). Never throws: signing out goes on regardless.
   */
  async forgetThisBrowser(): Promise<void> {
    try {
      const subscription = await this.subscription();
      if (!subscription) return;
      const { devices } = await api.call(routes.pushDevices);
      const mine = devices.find((device) => device.endpoint === subscription.endpoint);
      if (mine) await api.call(routes.removePushDevice, { params: { deviceId: mine.id } });
      await subscription.unsubscribe();
    } catch {
      // Offline or already signed out: the server drops the device when the push service says it is gone.
    } finally {
      this.devices = [];
      this.endpoint = null;
      this.status = 'idle';
    }
  }

  async remove(deviceId: string): Promise<void> {
    const device = this.devices.find((one) => one.id === deviceId);
    await api.call(routes.removePushDevice, { params: { deviceId } });
    this.devices = this.devices.filter((one) => one.id !== deviceId);
    if (device && this.isThisDevice(device)) {
      await (await this.subscription())?.unsubscribe();
      this.endpoint = null;
    }
  }

  /** Sends a test push to one device; says how the push service answered ('gone': the device was removed). */
  async test(deviceId: string): Promise<'sent' | 'gone' | 'failed'> {
    const { outcome } = await api.call(routes.testPushDevice, { params: { deviceId } });
    if (outcome === 'gone') this.devices = this.devices.filter((one) => one.id !== deviceId);
    return outcome;
  }
}

export const pushDevices = new PushDevicesStore();
