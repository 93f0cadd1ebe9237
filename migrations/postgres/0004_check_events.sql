-- What a running check or detection has done so far, for showing it live. Any app instance
-- may serve the browser's polling, so the events live in the database; they are kept briefly.
CREATE TABLE check_events (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants (id),
    user_id    BIGINT  NOT NULL,
    run_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at         BIGINT  NOT NULL,
    event      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, run_id, seq)
);
CREATE INDEX check_events_age ON check_events (tenant_id, at);

ALTER TABLE check_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE check_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON check_events USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());
