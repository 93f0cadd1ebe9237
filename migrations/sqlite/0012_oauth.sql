-- Signing in with the mail provider (issue 13, server/oauth). One row per sign-in: while the
-- browser is at the provider it holds the request (the state's hash, the session it belongs to,
-- the PKCE verifier); once the provider sent it back, who signed in and the tokens. Secrets are
-- envelopes (server/secrets) bound to the tenant, this row and the column.
CREATE TABLE oauth_sign_ins (
    id                 INTEGER PRIMARY KEY,
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    user_id            INTEGER NOT NULL,
    provider           TEXT    NOT NULL,
    -- The address the user asked to sign in as (the form's login).
    login_hint         TEXT    NOT NULL,
    -- What the form held when the user left for the provider (JSON, never a password).
    form               TEXT    NOT NULL,
    started_at         INTEGER NOT NULL,
    -- While at the provider (cleared on return, so a state works once).
    state_hash         TEXT    UNIQUE,
    session_hash       TEXT,
    verifier           TEXT,
    -- status: 'pending' (at the provider), 'ok', 'needs_sign_in' (the provider refused a renewal).
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'ok', 'needs_sign_in')),
    identity           TEXT,
    refresh_token      TEXT,
    access_token       TEXT,
    access_expires_at  INTEGER,
    -- One renewal at a time across app servers: taken until this time.
    refreshing_until   INTEGER,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX oauth_sign_ins_of_tenant ON oauth_sign_ins (tenant_id, id);

-- An account that signs in with the provider instead of a password.
ALTER TABLE email_accounts ADD COLUMN oauth_sign_in_id INTEGER REFERENCES oauth_sign_ins (id);
