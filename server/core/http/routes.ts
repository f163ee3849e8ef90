import type { Express, NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { RouteSpec } from '../../../shared/api/route-spec';
import { parseInput } from '../errors';

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<R extends RouteSpec> {
  params: Infer<R['params']>;
  query: Infer<R['query']>;
  body: Infer<R['body']>;
  req: Request;
  res: Response;
}

/**
 * A route handler returns the JSON body of its first success response, or `undefined` after
 * answering through `res` itself (for non-JSON answers).
 */
export type RouteHandler<R extends RouteSpec> = (input: RouteInput<R>) => unknown;

/**
 * Mounts a shared route spec: validates params, query and body with its schemas, calls the
 * handler, answers JSON. Errors go to the one problem middleware. Records the spec as mounted
 * so a test can prove the OpenAPI document and the server agree.
 */
export function mountRoute<R extends RouteSpec>(
  app: Express,
  mounted: Set<RouteSpec>,
  spec: R,
  handler: RouteHandler<R>,
): void {
  const successStatus = Number(Object.keys(spec.responses)[0] ?? 200);
  app[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const input = {
        params: (spec.params ? parseInput(spec.params, req.params, 'path parameters') : undefined) as Infer<R['params']>,
        query: (spec.query ? parseInput(spec.query, req.query, 'query') : undefined) as Infer<R['query']>,
        body: (spec.body ? parseInput(spec.body, req.body, 'body') : undefined) as Infer<R['body']>,
        req,
        res,
      };
      const result = await handler(input);
      if (res.headersSent) return;
      if (result === undefined) res.status(successStatus === 200 ? 204 : successStatus).end();
      else res.status(successStatus).json(result);
    } catch (error) {
      next(error);
    }
  });
  mounted.add(spec);
}
