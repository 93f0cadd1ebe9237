-- Tables that grow with traffic are purged on a timer (server/housekeeping.rs): indexes for
-- finding what expired, and row-level security that lets the purge (capability `app.purge`)
-- see and delete expired rows of every tenant, and nothing that is still alive. The live
-- report is keyed by user too: two users of one tenant may pick the same run id without
-- mixing their events (its rows live ten minutes, so the table is simply made anew).
CREATE FUNCTION pochta_now_ms() RETURNS BIGINT LANGUAGE sql STABLE AS
    $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT $$;
GRANT EXECUTE ON FUNCTION pochta_now_ms() TO pochta_app;

CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX password_links_expiry ON password_links (expires_at);
CREATE INDEX sign_in_throttle_age ON sign_in_throttle (last_failure_at);
CREATE INDEX mail_rate_age ON mail_rate (window_start);

CREATE POLICY purge_read ON sessions FOR SELECT
    USING (pochta_capability('app.purge') = 'on' AND expires_at <= pochta_now_ms());
CREATE POLICY purge_delete ON sessions FOR DELETE
    USING (pochta_capability('app.purge') = 'on' AND expires_at <= pochta_now_ms());
CREATE POLICY purge_read ON password_links FOR SELECT
    USING (pochta_capability('app.purge') = 'on' AND expires_at <= pochta_now_ms());
CREATE POLICY purge_delete ON password_links FOR DELETE
    USING (pochta_capability('app.purge') = 'on' AND expires_at <= pochta_now_ms());

DROP TABLE check_events;
CREATE TABLE check_events (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants (id),
    user_id    BIGINT  NOT NULL,
    run_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at         BIGINT  NOT NULL,
    event      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, user_id, run_id, seq)
);
CREATE INDEX check_events_age ON check_events (at);
ALTER TABLE check_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE check_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON check_events USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());
-- Live-report events are kept ten minutes (server/progress.rs).
CREATE POLICY purge_read ON check_events FOR SELECT
    USING (pochta_capability('app.purge') = 'on' AND at <= pochta_now_ms() - 600000);
CREATE POLICY purge_delete ON check_events FOR DELETE
    USING (pochta_capability('app.purge') = 'on' AND at <= pochta_now_ms() - 600000);
GRANT SELECT, INSERT, UPDATE, DELETE ON check_events TO pochta_app;
