-- How the accounts notifications go through are faring (issue 14): consecutive failures, the
-- last success and the expiry of the certificate the server showed, as the outbox's workers saw
-- them (server/notifications/health.rs). Counted for the account's `version`: once the account
-- is saved again (a new password, another server) what was seen before no longer counts.
CREATE TABLE account_health (
    tenant_id               BIGINT  NOT NULL REFERENCES tenants (id),
    account_id              BIGINT  NOT NULL REFERENCES email_accounts (id) ON DELETE CASCADE,
    account_version         BIGINT  NOT NULL,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    -- The first of the failures in a row, while there are any.
    failing_since           BIGINT,
    last_failure_at         BIGINT,
    -- model::check::Reason of the last failure.
    last_reason             TEXT,
    last_success_at         BIGINT,
    -- notAfter of the certificate the server showed at the last success.
    certificate_expires_at  BIGINT,
    -- The certificate expiry the administrators were told about (each expiry is told once).
    certificate_told_for    BIGINT,
    PRIMARY KEY (tenant_id, account_id)
);

ALTER TABLE account_health ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_health FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON account_health
    USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON account_health TO pochta_app;
