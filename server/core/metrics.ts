import client from 'prom-client';
import type { Database } from './db/database';

/** One registry per app instance, so tests can run several apps in one process. */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  socketsConnected: client.Gauge;
  eventsEmitted: client.Counter<'event'>;
  commandsHandled: client.Counter<'command' | 'outcome'>;
}

export function createMetrics(database: () => Database | undefined): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'hearth_' });

  const httpDuration = new client.Histogram({
    name: 'hearth_http_request_duration_seconds',
    help: 'HTTP request latency by route template (not raw URL, to keep label cardinality bounded)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const socketsConnected = new client.Gauge({
    name: 'hearth_sockets_connected',
    help: 'Socket.IO connections currently open on this node',
    registers: [registry],
  });
  const eventsEmitted = new client.Counter({
    name: 'hearth_events_emitted_total',
    help: 'Server events published to rooms by this node',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const commandsHandled = new client.Counter({
    name: 'hearth_socket_commands_total',
    help: 'Socket commands handled, by outcome (ok or the error code)',
    labelNames: ['command', 'outcome'] as const,
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, pick: (s: { total: number; idle: number; waiting: number }) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const db = database();
        if (db) this.set(pick(db.poolStats()));
      },
    });
  poolGauge('hearth_db_pool_connections', 'Database connections open in the pool', (s) => s.total);
  poolGauge('hearth_db_pool_idle', 'Idle database connections in the pool', (s) => s.idle);
  poolGauge('hearth_db_pool_waiting', 'Queries waiting for a database connection', (s) => s.waiting);

  return { registry, httpDuration, socketsConnected, eventsEmitted, commandsHandled };
}
