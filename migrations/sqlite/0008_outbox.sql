-- Notifications to clients (issue 14): the host application's API keys and the durable outbox
-- the workers of every app server drain (server/notifications).

-- A tenant's key for `POST /api/v1/notifications`: shown once, only its SHA-256 kept.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    name        TEXT    NOT NULL,
    -- The key's first characters, to tell keys apart in a list.
    prefix      TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_of_tenant ON api_keys (tenant_id, id);

-- One letter to send. `via`: 'crm' (CRM ► Уведомления ► Электронная почта) or 'system'.
-- status: queued → sending → sent | failed | cancelled; a 'sending' row whose lease
-- (next_attempt_at) ran out was abandoned by a stopped server and is due again.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id),
    via              TEXT    NOT NULL CHECK (via IN ('crm', 'system')),
    idempotency_key  TEXT,
    -- The recipients' addresses, one per line.
    recipients       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    text_body        TEXT    NOT NULL,
    html_body        TEXT,
    reply_to         TEXT,
    message_id       TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    give_up_at       INTEGER NOT NULL,
    -- The last failure: its reason (model::check::Reason) and the server's own words.
    last_reason      TEXT,
    last_reply       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_journal ON outbox (tenant_id, id);
CREATE INDEX outbox_journal_by_status ON outbox (tenant_id, status, id);
-- Letters done with (sent, failed, cancelled) stay in the journal 90 days, then are purged
-- (server/housekeeping.rs).
CREATE INDEX outbox_age ON outbox (created_at) WHERE status IN ('sent', 'failed', 'cancelled');
