/// <reference types="svelte" />
/// <reference types="vite/client" />

/** The method and path of every REST endpoint (`vite.config.mts`); typed by `lib/api-routes.ts`. */
declare module 'virtual:hearth/api-routes' {
  const table: Record<string, { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string }>;
  export default table;
}
