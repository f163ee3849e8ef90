import type { z } from 'zod';

// The shapes every protocol module declares its commands and events with. A leaf module: the
// feature maps (accounts, chat, stream…) import these, and events.ts imports the feature maps.

/** A client → server command: always acknowledged with `{ data }` or `{ error }`. */
export interface CommandSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  summary: string;
  payload: P;
  result: R;
  /**
   * 'connected': any signed-in socket may send it (transport-level, like ping). Default
   * 'member': an active member who has accepted the current guidelines.
   */
  access?: 'connected' | 'member';
}

/** A server → client notification, named in the past tense (`post:created`). */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  summary: string;
  /** Which rooms receive it, for the AsyncAPI document (`space:<id>`, `user:<id>`, everyone). */
  audience: string;
  payload: P;
}
