import { z } from 'zod';
import { defineRoute } from './route-spec';

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readinessSchema = z
  .object({ status: z.literal('ready'), database: z.enum(['postgres', 'pglite']) })
  .meta({ id: 'Readiness' });

export const siteSchema = z
  .object({
    name: z.string().describe('The network’s display name'),
    instanceId: z.uuid().describe('Stable identifier of this Hearth network, created on its first start'),
    createdAt: z.iso.datetime().describe('When this network was first started'),
    version: z.string().describe('Hearth server version'),
  })
  .meta({ id: 'Site', description: 'Public facts about this Hearth network, shown on the first screen.' });

export type Site = z.infer<typeof siteSchema>;

const openApiDocumentSchema = z.object({ openapi: z.string() }).loose().meta({ id: 'OpenApiDocument' });
const asyncApiDocumentSchema = z.object({ asyncapi: z.string() }).loose().meta({ id: 'AsyncApiDocument' });

export const systemRoutes = {
  health: defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process is up and serving HTTP.',
    tag: 'operations',
    access: 'public',
    responses: { 200: { description: 'The process is up', schema: healthSchema } },
  }),
  ready: defineRoute({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database answers. Load balancers send traffic only while this is 200.',
    tag: 'operations',
    access: 'public',
    responses: { 200: { description: 'Ready to serve', schema: readinessSchema } },
    errors: [503],
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus metrics. Answered only to loopback callers, or to `Authorization: Bearer <METRICS_TOKEN>`.',
    tag: 'operations',
    access: 'metrics',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
    errors: [403],
  }),
  site: defineRoute({
    method: 'get',
    path: '/api/v1/site',
    summary: 'About this network: its name and when it started.',
    tag: 'site',
    access: 'public',
    responses: { 200: { description: 'The site', schema: siteSchema } },
  }),
  openapi: defineRoute({
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document: the REST API as OpenAPI 3.1, generated from the shared zod schemas.',
    tag: 'documents',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  }),
  asyncapi: defineRoute({
    method: 'get',
    path: '/api/v1/asyncapi.json',
    summary: 'The live protocol (Socket.IO events) as AsyncAPI 3.0, generated from the shared zod schemas.',
    tag: 'documents',
    access: 'public',
    responses: { 200: { description: 'AsyncAPI 3.0 document', schema: asyncApiDocumentSchema } },
  }),
};
