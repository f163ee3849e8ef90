import { z } from 'zod';
import { text } from './input';
import { defineRoute } from './route-spec';

const callbackQuery = z
  .object({
    code: text().max(2000).optional(),
    state: text().max(500).optional(),
    error: text().max(200).optional(),
    error_description: text().max(2000).optional(),
    iss: text().max(500).optional(),
    session_state: text().max(500).optional(),
  })
  .loose();

export const oidcRoutes = {
  oidcLogin: defineRoute({
    method: 'get',
    path: '/auth/oidc/login',
    summary:
      'Starts single sign-on: redirects to the identity provider (authorization code flow with state and nonce). Only when OIDC_ISSUER is configured.',
    tag: 'accounts',
    access: 'public',
    responses: { 302: { description: 'Redirect to the provider' } },
    errors: [404],
  }),
  oidcCallback: defineRoute({
    method: 'get',
    path: '/auth/oidc/callback',
    summary:
      'Where the provider sends the member back (register this exact URL, PUBLIC_URL + /auth/oidc/callback, as the redirect URI). Redirects to the app, or to /sign-in?error=… when the sign-in failed.',
    tag: 'accounts',
    access: 'public',
    query: callbackQuery,
    responses: { 302: { description: 'Redirect into the app' } },
  }),
};
