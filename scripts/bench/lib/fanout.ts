// Fan-out load: posts (or chat messages) at a steady rate from a few sockets, deliveries counted
// at every receiver.
//
// Each post's body carries a marker `LAT[<run>_<n>_<sentAt>]` (sentAt: this process's
// performance.now() when the post was sent). The receivers are in this process too, so
// create→delivered latency is measured on one clock, at the receiving socket, without a map
// from post ids to send times.
import { performance } from 'node:perf_hooks';
import { Samples, summarise, type LatencySummary } from './stats';
import type { CpuShares } from './processes';

/** What a benchmark posts to: Hearth (post:create) or the bare Socket.IO server. */
export interface FanoutTarget {
  posters: number;
  /** Receiver sockets in each room (room index → count); a post to room r should reach that many. */
  receiversIn: number[];
  /** Sends one post; resolves true once acknowledged with data, false on an error ack or timeout. */
  send(poster: number, room: number, bodyMarkdown: string): Promise<boolean>;
}

interface Run {
  id: number;
  windowEnd: number;
  expected: number;
  delivered: number;
  deliveredInWindow: number;
  bytes: number;
  latency: Samples;
}

const MARK = Buffer.from('LAT[');
const CLOSE = 0x5d; // ']'
const PROSE =
  'Lanterns over the harbour tonight; the ferry is late again and the market stays open until the last boat comes in. Bring a coat.';

/**
 * Counts the frames of one event (`post:created` unless told otherwise, e.g. `chat:message-created`)
 * from every receiver and attributes them to the run that sent them.
 */
export class DeliveryTracker {
  private runs = new Map<number, Run>();
  private readonly eventPrefix: Buffer;
  /** Frames not counted: other events, or no marker of an open run (late ones, after their run's drain). */
  ignored = 0;
  /** Of those, frames of other events (presence, mentions…), which lean receivers hand over too. */
  otherEvents = 0;

  constructor(event = 'post:created') {
    this.eventPrefix = Buffer.from(`42[${JSON.stringify(event)},`);
  }

  /** For lean receivers: each raw EVENT frame. */
  readonly onFrame = (frame: Buffer): void => {
    const now = performance.now();
    const prefix = this.eventPrefix;
    if (frame.compare(prefix, 0, prefix.length, 0, Math.min(prefix.length, frame.length)) !== 0) {
      this.otherEvents++;
      this.ignored++;
      return;
    }
    // The first marker is in bodyMarkdown (bodyHtml, later in the payload, repeats it; a chat
    // message's clientId, before it, carries none).
    const start = frame.indexOf(MARK);
    const end = start < 0 ? -1 : frame.indexOf(CLOSE, start);
    if (end < 0) this.ignored++;
    else this.record(frame.toString('latin1', start + MARK.length, end), now, frame.length);
  };

  /** For socket.io-client receivers: each decoded post:created payload. */
  readonly onPost = (payload: { post?: { bodyMarkdown?: string } }): void => {
    const now = performance.now();
    const body = payload.post?.bodyMarkdown ?? '';
    const start = body.indexOf('LAT[');
    const end = start < 0 ? -1 : body.indexOf(']', start);
    if (end < 0) this.ignored++;
    else this.record(body.slice(start + 4, end), now);
  };

  private record(marker: string, now: number, bytes = 0): void {
    const [run, , sentAt] = marker.split('_');
    const state = this.runs.get(Number(run));
    if (!state) {
      this.ignored++;
      return;
    }
    state.delivered++;
    state.bytes += bytes;
    if (now <= state.windowEnd) state.deliveredInWindow++;
    state.latency.push(now - Number(sentAt));
  }

  open(id: number, windowEnd: number): Run {
    const run: Run = { id, windowEnd, expected: 0, delivered: 0, deliveredInWindow: 0, bytes: 0, latency: new Samples() };
    this.runs.set(id, run);
    return run;
  }

  close(id: number): void {
    this.runs.delete(id);
  }
}

export interface RunOptions {
  /** Posts per second, open loop: sent on schedule whether or not earlier ones were acknowledged… */
  rate: number;
  seconds: number;
  /** …unless this many are unacknowledged: then the post is skipped (counted as falling behind). */
  maxInFlight: number;
  /** After the window: how long to wait for the last acks and deliveries. */
  drainSeconds: number;
}

export interface RunResult {
  rate: number;
  seconds: number;
  scheduled: number;
  skipped: number;
  sent: number;
  acked: number;
  ackErrors: number;
  /** Acknowledged within the window, per second: posts persisted (Hearth) or broadcast (bare). */
  ackedPerSecond: number;
  /** post:created frames received across all sockets within the window, per second. */
  deliveriesPerSecond: number;
  /** Deliveries received by the end of the drain / deliveries owed (posts sent × receivers in room). */
  completeness: number;
  undrainedAcks: number;
  latency: LatencySummary;
  ackLatency: LatencySummary;
  meanReceivers: number;
  /** Mean size of a post:created WebSocket frame (lean receivers only; 0 otherwise). */
  bytesPerDelivery: number;
  cpu?: CpuShares;
  /** What else the measurement saw (e.g. what the database backends were waiting on). */
  detail?: string;
}

/** Started when a run starts; the function it returns is called when the run ends. */
export type Measure = () => Promise<() => Promise<{ cpu: CpuShares; detail?: string }>>;

let nextRunId = 1;

/** One run at a fixed rate; every loop is bounded by the window plus the drain time. */
export async function runAtRate(
  target: FanoutTarget,
  tracker: DeliveryTracker,
  options: RunOptions,
  measure?: Measure,
): Promise<RunResult> {
  const id = nextRunId++;
  const windowMs = options.seconds * 1000;
  const stopMeasuring = await measure?.();
  const start = performance.now();
  const windowEnd = start + windowMs;
  const run = tracker.open(id, windowEnd);
  const ackLatency = new Samples();
  let scheduled = 0;
  let skipped = 0;
  let sent = 0;
  let acked = 0;
  let ackedInWindow = 0;
  let ackErrors = 0;
  let inFlight = 0;
  let receiversOwed = 0;
  const rooms = target.receiversIn.length;

  const sendOne = (n: number) => {
    const room = n % rooms;
    const poster = n % target.posters;
    const sentAt = performance.now();
    const body = `Post ${n} LAT[${id}_${n}_${sentAt.toFixed(3)}] ${PROSE}`;
    inFlight++;
    sent++;
    receiversOwed += target.receiversIn[room]!;
    run.expected = receiversOwed;
    target.send(poster, room, body).then(
      (ok) => {
        inFlight--;
        const now = performance.now();
        if (!ok) {
          ackErrors++;
          return;
        }
        acked++;
        if (now <= windowEnd) ackedInWindow++;
        ackLatency.push(now - sentAt);
      },
      () => {
        inFlight--;
        ackErrors++;
      },
    );
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(Math.floor(((Math.min(now, windowEnd) - start) * options.rate) / 1000) + 1, Math.ceil(options.seconds * options.rate));
      while (scheduled < due) {
        if (inFlight >= options.maxInFlight) skipped++;
        else sendOne(scheduled);
        scheduled++;
      }
      if (now >= windowEnd) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
    tick();
  });

  const drainUntil = performance.now() + options.drainSeconds * 1000;
  while (performance.now() < drainUntil && (inFlight > 0 || run.delivered < run.expected)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const measured = await stopMeasuring?.();
  tracker.close(id);
  return {
    rate: options.rate,
    seconds: options.seconds,
    scheduled,
    skipped,
    sent,
    acked,
    ackErrors,
    ackedPerSecond: ackedInWindow / options.seconds,
    deliveriesPerSecond: run.deliveredInWindow / options.seconds,
    completeness: run.expected === 0 ? 1 : run.delivered / run.expected,
    undrainedAcks: inFlight,
    latency: summarise(run.latency),
    ackLatency: summarise(ackLatency),
    meanReceivers: sent === 0 ? 0 : receiversOwed / sent,
    bytesPerDelivery: run.delivered === 0 ? 0 : run.bytes / run.delivered,
    cpu: measured?.cpu,
    detail: measured?.detail,
  };
}

export interface SaturationCriteria {
  /** A run keeps up when it acknowledged at least this share of its scheduled posts in the window… */
  minAckShare: number;
  /** …delivered at least this share of what it owed by the end of the drain… */
  minCompleteness: number;
  /** …and its delivery p99 stayed under this. */
  maxP99Ms: number;
}

/** Kept up: (almost) never at the in-flight cap, no failed acks, and the criteria's shares and p99. */
export function keptUp(result: RunResult, criteria: SaturationCriteria): boolean {
  const scheduledInWindow = result.rate * result.seconds;
  return (
    result.skipped <= 0.01 * result.scheduled &&
    result.ackErrors === 0 &&
    result.ackedPerSecond * result.seconds >= criteria.minAckShare * scheduledInWindow &&
    result.completeness >= criteria.minCompleteness &&
    result.latency.p99 <= criteria.maxP99Ms
  );
}

/**
 * What a run that fell behind actually sustained, in posts/s: the lower of its acknowledged rate
 * and its delivered rate (deliveries/s ÷ receivers per post), never above what was asked.
 */
export function sustainedRate(result: RunResult): number {
  const delivered = result.meanReceivers > 0 ? result.deliveriesPerSecond / result.meanReceivers : result.ackedPerSecond;
  return Math.min(result.rate, result.ackedPerSecond, delivered);
}

/** A pause after an overloaded run, so that its backlog (server write buffers, queued commits) clears before the next. */
export async function settle(seconds: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
