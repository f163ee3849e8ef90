import { z } from 'zod';

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

/**
 * The server was about to send something its own shared schema does not allow: a bug in the
 * server, never the caller's fault. `issues` are zod's, so the log says which field is wrong.
 */
export class ContractError extends Error {
  constructor(
    readonly contract: string,
    readonly issues: z.core.$ZodIssue[],
    summary: string,
  ) {
    super(`${contract} does not match its shared schema:\n${summary}`);
    this.name = 'ContractError';
  }
}

/**
 * Holds an outgoing value (a REST answer, an event payload) to its shared schema as the receiver
 * will see it, after JSON encoding (a Date arrives as a string). Throws a ContractError on a
 * mismatch. Costs a serialisation and a parse: the server calls it only with CHECK_CONTRACTS on.
 * @example
 *   checkContract(postSchema, post, 'event post:created'); // throws when post.id is missing
 */
export function checkContract(schema: z.ZodType, value: unknown, contract: string): void {
  const json: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  const result = schema.safeParse(json);
  if (!result.success) throw new ContractError(contract, result.error.issues, z.prettifyError(result.error));
}
