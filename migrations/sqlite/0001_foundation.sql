-- Pochta schema for SQLite. The PostgreSQL twin in ../postgres keeps the same tables, columns and
-- meanings. Ids, flags (0/1) and timestamps (milliseconds since the epoch) are integers, the rest
-- text, because sqlx's Any driver maps only those the same way on both databases.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    email          TEXT    NOT NULL,
    -- Lower-cased e-mail: one sign-in name across the whole deployment.
    email_key      TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    -- argon2id PHC string; NULL until the user sets a password through a link.
    password_hash  TEXT,
    -- 1: a one-time password an administrator handed out; signing in with it leads to
    -- choosing a new one instead of opening a session.
    password_is_temporary INTEGER NOT NULL DEFAULT 0 CHECK (password_is_temporary IN (0, 1)),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    lang           TEXT    NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    created_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, id)
);

-- Session tokens are random; only their SHA-256 is stored, so a database dump opens no session.
CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- One-time links for setting a password, shown once to the administrator who created the user.
CREATE TABLE password_links (
    token_hash  TEXT    PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- Failed sign-ins per e-mail (hashed), shared by every app instance.
CREATE TABLE sign_in_throttle (
    key              TEXT    PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    user_id    INTEGER,
    at         INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    -- What changed, never a secret.
    details    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);

-- «Наши фирмы»
CREATE TABLE firms (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT    NOT NULL,
    inn        TEXT    NOT NULL,
    kpp        TEXT,
    address    TEXT,
    phone      TEXT,
    email      TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, id)
);

-- «Торговые точки и склады»
CREATE TABLE outlets (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('outlet', 'warehouse')),
    name       TEXT    NOT NULL,
    firm_id    INTEGER NOT NULL,
    address    TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    -- The firm must be of the same tenant, and cannot be deleted while an outlet refers to it.
    FOREIGN KEY (tenant_id, firm_id) REFERENCES firms (tenant_id, id)
);
CREATE INDEX outlets_firm ON outlets (tenant_id, firm_id);

-- «Учетные записи электронной почты»
CREATE TABLE email_accounts (
    id                         INTEGER PRIMARY KEY,
    tenant_id                  INTEGER NOT NULL REFERENCES tenants (id),
    name                       TEXT    NOT NULL,
    address                    TEXT    NOT NULL DEFAULT '',
    address_key                TEXT    NOT NULL DEFAULT '',
    sender_name                TEXT    NOT NULL DEFAULT '',
    -- NULL: «для всех»; otherwise «только для меня» of that user.
    owner_user_id              INTEGER,
    is_system                  INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
    use_for_sending            INTEGER NOT NULL DEFAULT 0 CHECK (use_for_sending IN (0, 1)),
    use_for_receiving          INTEGER NOT NULL DEFAULT 0 CHECK (use_for_receiving IN (0, 1)),
    provider                   TEXT,
    smtp_host                  TEXT,
    smtp_port                  INTEGER,
    smtp_security              TEXT CHECK (smtp_security IN ('ssl', 'starttls')),
    smtp_login                 TEXT,
    incoming_protocol          TEXT CHECK (incoming_protocol IN ('imap', 'pop3')),
    incoming_host              TEXT,
    incoming_port              INTEGER,
    incoming_security          TEXT CHECK (incoming_security IN ('ssl', 'starttls')),
    incoming_login             TEXT,
    -- 1: the incoming server uses the SMTP login and password.
    same_credentials           INTEGER NOT NULL DEFAULT 1 CHECK (same_credentials IN (0, 1)),
    initial_load_date          TEXT,
    -- Encrypted envelopes (see server/secrets.rs); NULL: not stored, asked when needed.
    -- `password` is the account's password (SMTP, and incoming with the same credentials);
    -- `incoming_password` only when the incoming server has its own credentials.
    password                   TEXT,
    incoming_password          TEXT,
    last_check_at              INTEGER,
    last_check_ok              INTEGER CHECK (last_check_ok IN (0, 1)),
    last_check_reason          TEXT,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    version                    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES users (tenant_id, id)
);
-- Exactly one system account per tenant (created with the tenant).
CREATE UNIQUE INDEX email_accounts_one_system ON email_accounts (tenant_id) WHERE is_system = 1;
-- No two accounts for the same mailbox in the same scope (shared, or one user's own).
CREATE UNIQUE INDEX email_accounts_no_duplicates
    ON email_accounts (tenant_id, address_key, COALESCE(owner_user_id, 0)) WHERE address_key <> '';
CREATE INDEX email_accounts_list ON email_accounts (tenant_id, owner_user_id);

-- «CRM ► Уведомления ► Электронная почта», written by the «Почта» tab.
CREATE TABLE crm_email_settings (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants (id),
    account_id      INTEGER NOT NULL,
    provider        TEXT    NOT NULL,
    smtp_host       TEXT    NOT NULL,
    smtp_port       INTEGER NOT NULL,
    use_ssl         INTEGER NOT NULL CHECK (use_ssl IN (0, 1)),
    login           TEXT    NOT NULL,
    sender_name     TEXT    NOT NULL,
    sender_email    TEXT    NOT NULL,
    test_recipient  TEXT,
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (tenant_id, account_id) REFERENCES email_accounts (tenant_id, id)
);

-- Facts about the deployment itself, e.g. the program version the database last ran with.
CREATE TABLE app_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Notifications the program sends by itself (e.g. «обновление завершено»), one per tenant,
-- kind and version: the unique key lets only one app instance claim each.
CREATE TABLE notifications (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    kind         TEXT    NOT NULL,
    app_version  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    outcome      TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, kind, app_version)
);
