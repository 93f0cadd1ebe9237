-- Tables that grow with traffic are purged on a timer (server/housekeeping.rs): indexes for
-- finding what expired. The live report is keyed by user too: two users of one tenant may
-- pick the same run id without mixing their events (its rows live ten minutes, so the table
-- is simply made anew).
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX password_links_expiry ON password_links (expires_at);
CREATE INDEX sign_in_throttle_age ON sign_in_throttle (last_failure_at);
CREATE INDEX mail_rate_age ON mail_rate (window_start);

DROP TABLE check_events;
CREATE TABLE check_events (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    user_id    INTEGER NOT NULL,
    run_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, user_id, run_id, seq)
);
CREATE INDEX check_events_age ON check_events (at);
