import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate` to write a new SQL migration from the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/core/db/schema.ts',
  out: './server/core/db/migrations',
});
