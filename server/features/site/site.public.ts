// What other features may use of the site: the one row of network-wide settings, read only.
// Its queries stay in site.repository.ts, which no other feature imports (test/architecture.test.ts).
export { readSiteRow, type SiteRow } from './site.repository';
