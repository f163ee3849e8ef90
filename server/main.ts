// The process entry point: parse the environment, start one Hearth node, stop it on a signal.
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = createApp(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      app.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => app.logger.error({ err: reason }, 'unhandled promise rejection'));
  try {
    await app.start();
    // A person started it in a terminal (npm start): say where it is and how to stop it.
    if (process.stdout.isTTY) process.stdout.write(`\nHearth is running at ${config.publicUrl} (press Ctrl-C to stop it)\n\n`);
  } catch (error) {
    app.logger.fatal({ err: error }, 'Hearth failed to start');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
