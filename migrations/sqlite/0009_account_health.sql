-- How the accounts notifications go through are faring (issue 14): consecutive failures, the
-- last success and the expiry of the certificate the server showed, as the outbox's workers saw
-- them (server/notifications/health.rs). Counted for the account's `version`: once the account
-- is saved again (a new password, another server) what was seen before no longer counts.
CREATE TABLE account_health (
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id),
    account_id              INTEGER NOT NULL REFERENCES email_accounts (id) ON DELETE CASCADE,
    account_version         INTEGER NOT NULL,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    -- The first of the failures in a row, while there are any.
    failing_since INTEGER,
    last_failure_at INTEGER,
    -- model::check::Reason of the last failure.
    last_reason             TEXT,
    last_success_at INTEGER,
    -- notAfter of the certificate the server showed at the last success.
    certificate_expires_at INTEGER,
    -- The certificate expiry the administrators were told about (each expiry is told once).
    certificate_told_for INTEGER,
    PRIMARY KEY (tenant_id, account_id)
);

