// `npm run db:migrate`: apply the committed migrations to the PostgreSQL server in DATABASE_URL
// (or to the embedded database under DATA_DIR when it is unset) and exit.
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureServerBuilt, root } from './lib/build.mjs';

ensureServerBuilt();
const require = createRequire(import.meta.url);
const { runMigrations } = require(path.join(root, 'dist/server/cli/migrate.js'));
runMigrations(process.env).then(
  (message) => {
    console.log(message);
    process.exit(0);
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
