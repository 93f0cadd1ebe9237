// The authorization server of the OAuth tests, on loopback over HTTPS: oauth2-mock-server's
// endpoints (authorization code with PKCE, refresh, RS256 JWTs, /jwks) with what a real provider
// does and the mock leaves out, so that a test proves Pochta's side and not the mock's leniency:
//
// - the signed-in identity is the `login_hint` of the authorization request (Microsoft, Google
//   and Yandex take one too); it goes into the tokens as `sub` and `email`, which Dovecot's
//   oauth2 passdb compares with the login;
// - a code works once, and only with a `code_verifier` when the request carried a challenge;
// - a refresh token works once and is replaced by a new one (Microsoft rotates them);
// - tokens carry `typ: JWT` and `nbf = iat` (Dovecot 2.3 refuses the mock's `nbf = iat - 10`);
// - an ID token only when the sign-in asked for `openid` (Yandex and Mail.ru ask for none and
//   name the address through /userinfo, which answers for the token in `Authorization:
//   OAuth|Bearer …` as Yandex takes it, or in `?access_token=` as Mail.ru does).
//
// Started by scripts/mail-servers.sh, which gives Dovecot the public half of the signing key:
//   node oauth-server.mjs SIGNING_KEY TLS_CERT TLS_KEY PORT
// Test controls (loopback only, like everything here):
//   POST /test/revoke?email=…            the user withdrew consent: their refresh tokens so far
//                                        are refused (a new sign-in works again)
//   POST /test/access-ttl?email=…&seconds=N   lifetime of the access tokens issued for that
//                                        address from now on (default an hour)
//   GET  /test/counts                    token requests so far, by grant type
//   GET  /test/issued?email=…            the last tokens issued for that address (a test looks
//                                        for them where they must never be)
//   POST /test/consent?email=…&ask=1     sign-ins of that address stop at a consent page
//                                        («Allow» / «Deny», a plain HTML form) as a real
//                                        provider's first sign-in does; ask=0 goes straight back
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';

const [signingKey, tlsCert, tlsKey, port] = process.argv.slice(2);
if (!port) {
  console.error('usage: node oauth-server.mjs SIGNING_KEY TLS_CERT TLS_KEY PORT');
  process.exit(2);
}

const issuer = new OAuth2Issuer();
issuer.url = `https://127.0.0.1:${port}`;
const jwk = createPrivateKey(readFileSync(signingKey)).export({ format: 'jwk' });
await issuer.keys.add({ ...jwk, kid: 'pochta-test', alg: 'RS256', use: 'sig' });
const service = new OAuth2Service(issuer);

/** code → { email, pkce, openid }: who signed in, whether the request carried a PKCE challenge,
 *  and whether it asked for an ID token. */
const codes = new Map();
/** refresh token → email; a used one is removed. */
const refreshTokens = new Map();
/** Token requests so far, by grant type. */
const counts = {};
/** The last tokens issued, by address. */
const issued = new Map();
/** Access token lifetimes by address, in seconds. */
const accessTtl = new Map();
const ttlOf = (email) => accessTtl.get(email) ?? 3600;
/** Addresses whose sign-ins stop at the consent page. */
const askConsent = new Set();

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** The consent page: the authorization request again with `consent=given`, or the refusal the
 *  provider sends back when the user declines. */
function consentPage(url, res) {
  const hidden = [...url.searchParams]
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  const declined = new URL(url.searchParams.get('redirect_uri'));
  declined.searchParams.set('error', 'access_denied');
  declined.searchParams.set('state', url.searchParams.get('state') ?? '');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Consent</title>
<meta name="viewport" content="width=device-width"></head><body>
<h1>Pochta Test wants to send and read mail as ${escape(url.searchParams.get('login_hint'))}</h1>
<form method="get" action="/authorize">${hidden}<input type="hidden" name="consent" value="given">
<button type="submit">Allow</button></form>
<p><a href="${escape(declined.href)}">Deny</a></p></body></html>`);
}

service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const code = redirect.url.searchParams.get('code');
  if (code) {
    codes.set(code, {
      email: String(req.query.login_hint ?? ''),
      pkce: Boolean(req.query.code_challenge),
      openid: String(req.query.scope ?? '').split(' ').includes('openid'),
    });
  }
});

/** The identity a token request is for, as far as the request shows it. */
function identity(body) {
  switch (body.grant_type) {
    case 'authorization_code':
      return codes.get(body.code)?.email;
    case 'refresh_token':
      return refreshTokens.get(body.refresh_token);
    case 'password':
      return body.username;
    default:
      return undefined;
  }
}

service.on('beforeTokenSigning', (token, req) => {
  const email = identity(req.body ?? {});
  token.header.typ = 'JWT';
  token.payload.nbf = token.payload.iat;
  token.payload.exp = token.payload.iat + ttlOf(email);
  if (email) {
    token.payload.sub = email;
    token.payload.email = email;
  }
});

service.on('beforeResponse', (response, req) => {
  const body = req.body ?? {};
  counts[body.grant_type] = (counts[body.grant_type] ?? 0) + 1;
  const refuse = (error) => {
    response.statusCode = 400;
    response.body = { error };
  };
  let email;
  if (body.grant_type === 'authorization_code') {
    const code = codes.get(body.code);
    codes.delete(body.code);
    if (!code || (code.pkce && !body.code_verifier)) return refuse('invalid_grant');
    email = code.email;
    if (!code.openid) delete response.body.id_token;
  } else if (body.grant_type === 'refresh_token') {
    email = refreshTokens.get(body.refresh_token);
    refreshTokens.delete(body.refresh_token);
    if (!email) return refuse('invalid_grant');
  } else if (body.grant_type === 'password') {
    email = body.username;
  } else {
    return refuse('unsupported_grant_type');
  }
  response.body.expires_in = ttlOf(email);
  if (response.body.refresh_token) refreshTokens.set(response.body.refresh_token, email);
  issued.set(email, { access_token: response.body.access_token, refresh_token: response.body.refresh_token });
});

// Who the presented access token was issued to (the token is the mock's own JWT).
service.on('beforeUserinfo', (userinfo, req) => {
  const presented = String(req.headers.authorization ?? '').split(' ')[1] ?? String(req.query?.access_token ?? '');
  try {
    const claims = JSON.parse(Buffer.from(presented.split('.')[1], 'base64url').toString());
    userinfo.body = { login: claims.email.split('@')[0], default_email: claims.email, email: claims.email };
  } catch {
    userinfo.statusCode = 401;
    userinfo.body = { error: 'invalid_token' };
  }
});

function control(url, req, res) {
  const answer = (status, value) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const email = url.searchParams.get('email');
  if (req.method === 'POST' && url.pathname === '/test/revoke') {
    let revoked = 0;
    for (const [token, owner] of refreshTokens) {
      if (owner === email) {
        refreshTokens.delete(token);
        revoked += 1;
      }
    }
    return answer(200, { revoked });
  }
  if (req.method === 'POST' && url.pathname === '/test/access-ttl') {
    accessTtl.set(email, Number(url.searchParams.get('seconds')));
    return answer(200, { email, seconds: ttlOf(email) });
  }
  if (req.method === 'POST' && url.pathname === '/test/consent') {
    if (url.searchParams.get('ask') === '1') askConsent.add(email);
    else askConsent.delete(email);
    return answer(200, { email, ask: askConsent.has(email) });
  }
  if (req.method === 'GET' && url.pathname === '/test/counts') return answer(200, counts);
  if (req.method === 'GET' && url.pathname === '/test/issued') return answer(200, issued.get(email) ?? {});
  return answer(404, { error: 'unknown test control' });
}

const server = createServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }, (req, res) => {
  const url = new URL(req.url, issuer.url);
  if (url.pathname.startsWith('/test/')) return control(url, req, res);
  const asking = askConsent.has(url.searchParams.get('login_hint'));
  if (url.pathname === '/authorize' && asking && url.searchParams.get('consent') !== 'given') {
    return consentPage(url, res);
  }
  return service.requestHandler(req, res);
});
server.listen(Number(port), '127.0.0.1', () => console.log(`authorization server on ${issuer.url}`));
