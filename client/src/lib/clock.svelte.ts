/** The time, ticking every 30 s, so "5 min ago" labels age while a page stays open. */
class Clock {
  now = $state(Date.now());

  constructor() {
    setInterval(() => (this.now = Date.now()), 30_000);
  }
}

export const clock = new Clock();
