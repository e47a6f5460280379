// TEST FIXTURE ONLY: never deploy this. A real OpenID Connect provider (panva's certified
// oidc-provider) standing in for the council's identity provider (e.g. Microsoft Entra ID)
// in the test suite; tests/oidc/provider.py starts it on loopback.
//
// Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS and
// OIDC_POST_LOGOUT_REDIRECT_URIS (comma-separated), OIDC_ACCOUNTS_FILE: JSON read on every
// use, {"<login>": {"email", "email_verified", "name", "groups", "roles", "disabled"}}.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};
const list = (name) => (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;

// The accounts file is re-read every time: tests rewrite it between journeys.
function loadAccount(login) {
  const accounts = JSON.parse(readFileSync(env('OIDC_ACCOUNTS_FILE'), 'utf8'));
  return Object.hasOwn(accounts, login) ? accounts[login] : undefined;
}

async function findAccount(ctx, id) {
  const account = loadAccount(id);
  if (!account || account.disabled) return undefined; // a live session of theirs no longer counts
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        preferred_username: id,
        email: account.email,
        email_verified: account.email_verified ?? true,
        name: account.name,
        groups: account.groups ?? [],
        roles: account.roles ?? [],
      };
    },
  };
}

// The default policy lets a session through on its accountId alone; ask again when that
// account has since been disabled or removed (findAccount found nothing).
const policy = interactionPolicy.base();
policy.get('login').checks.push(new interactionPolicy.Check(
  'account_unavailable',
  'the signed-in account is no longer available',
  'login_required',
  (ctx) => Boolean(ctx.oidc.session.accountId && !ctx.oidc.account),
));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

// A fresh signing key per run (not oidc-provider's built-in development keys).
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    client_secret: env('OIDC_CLIENT_SECRET'),
    redirect_uris: list('OIDC_REDIRECT_URIS'),
    post_logout_redirect_uris: list('OIDC_POST_LOGOUT_REDIRECT_URIS'),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider accepts client_secret_post as well for a client_secret_basic client.
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'test-council', alg: 'RS256', use: 'sig' }] },
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    names: { session: 'council_session', interaction: 'council_interaction', resume: 'council_resume' },
  },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups', 'roles'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false, // the scopes' claims go in the ID token too, as Entra ID does
  pkce: { required: () => false }, // optional: S256 is checked whenever the client sends it
  findAccount,
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Test Council sign-out', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
      },
    },
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400 },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Test Council error', `<p>${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
});

// Admin consent: every requested scope is granted, and no consent screen is shown.
async function grantAll(details, accountId) {
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
  return grant.save();
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && details.prompt.name === 'consent') { // signed in; more scopes asked
    const grantId = await grantAll(details, details.session.accountId);
    return provider.interactionFinished(req, res, { consent: { grantId } });
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    return res.end(page('Test Council sign-in', `
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Username</label>
<input id="login" name="login" type="text" autocomplete="off" autofocus value="${escape(details.params.login_hint ?? '')}">
<button type="submit">Sign in</button>
</form>`));
  }
  const login = (await readForm(req)).get('login')?.trim() ?? '';
  const account = loadAccount(login);
  console.log(`sign-in ${JSON.stringify(login)}: ${!account ? 'unknown' : account.disabled ? 'disabled' : 'ok'}`);
  if (!account || account.disabled) {
    const error_description = account ? 'This account is disabled' : 'No such account';
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description }, { mergeWithLastSubmission: false });
  }
  const grantId = await grantAll(details, login);
  return provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

const handler = provider.callback();
http.createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)$/.exec(req.url.split('?')[0]);
  if (!match || !['GET', 'POST'].includes(req.method)) return handler(req, res);
  try {
    await interaction(req, res, match[1]);
  } catch (err) {
    const message = [err.message, err.error_description].filter(Boolean).join(': ');
    console.log(`interaction error: ${message}`);
    res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page('Test Council error', `<p>${escape(message)}</p>`));
  }
}).listen(port, '127.0.0.1', () => console.log(`listening on ${issuer}`));
