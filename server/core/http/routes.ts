import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { RouteSpec } from '../../../shared/api/route-spec';
import { checkContract, ContractError } from '../../../shared/protocol/spec';
import { parseInput } from '../errors';

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<R extends RouteSpec, A> {
  params: Infer<R['params']>;
  query: Infer<R['query']>;
  body: Infer<R['body']>;
  /** The signed-in caller; always present on `access: 'member'` routes (the guard saw to it). */
  actor: R['access'] extends 'member' ? A : A | undefined;
  req: Request;
  res: Response;
  next: NextFunction;
}

/**
 * A route handler returns the JSON body of its first success response, or `undefined` after
 * answering through `res` itself (redirects, files, non-JSON answers).
 */
export type RouteHandler<R extends RouteSpec, A> = (input: RouteInput<R, A>) => unknown;

/**
 * Decides who is calling before any handler runs: throws (401, 403 guidelines_required, …) when
 * the route's `access` is not met, and returns the actor (or undefined for anonymous callers).
 */
export type RouteGuard<A> = (req: Request, spec: RouteSpec) => Promise<A | undefined>;

export interface RouteMounter<A> {
  mount<R extends RouteSpec>(spec: R, handler: RouteHandler<R, A>, ...before: RequestHandler[]): void;
  /** The specs mounted so far, for the test that holds the API document to the server. */
  readonly mounted: ReadonlySet<RouteSpec>;
}

export interface RouteMounterOptions {
  /**
   * Holds every JSON answer to the spec's first success schema before it is sent (config
   * CHECK_CONTRACTS: on in development and tests, off in production). A mismatch answers 500
   * `internal` and logs the zod issues, so the test that caused it fails. Required, so that an app
   * cannot leave it off by forgetting it: pass `config.checkContracts`.
   */
  checkContracts: boolean;
}

/**
 * Mounts shared route specs: runs the guard, validates params, query and body with the spec's
 * schemas, calls the handler and answers JSON. Every error goes to the one problem middleware.
 */
export function createRouteMounter<A>(app: Express, guard: RouteGuard<A>, options: RouteMounterOptions): RouteMounter<A> {
  const mounted = new Set<RouteSpec>();
  return {
    mounted,
    mount(spec, handler, ...before) {
      const successStatus = Number(Object.keys(spec.responses)[0] ?? 200);
      const contract = `${spec.method.toUpperCase()} ${spec.path} ${successStatus}`;
      // Decided once per route, so production pays nothing per request.
      const check = options.checkContracts ? answerCheck(spec.responses[successStatus]?.schema, contract) : undefined;
      app[spec.method](spec.path, ...before, async (req: Request, res: Response, next: NextFunction) => {
        try {
          const actor = await guard(req, spec);
          const input = {
            params: spec.params ? parseInput(spec.params, req.params, 'path parameters') : undefined,
            query: spec.query ? parseInput(spec.query, req.query, 'query') : undefined,
            body: spec.body ? parseInput(spec.body, req.body, 'body') : undefined,
            actor,
            req,
            res,
            next,
          } as RouteInput<typeof spec, A>;
          const result = await handler(input);
          if (res.headersSent || result === undefined) return;
          check?.(result);
          res.status(successStatus).json(result);
        } catch (error) {
          next(error);
        }
      });
      mounted.add(spec);
    },
  };
}

function answerCheck(schema: z.ZodType | undefined, contract: string): (result: unknown) => void {
  if (schema) return (result) => checkContract(schema, result, contract);
  return () => {
    throw new ContractError(contract, [], 'the handler answered a JSON body, but the spec declares none');
  };
}
