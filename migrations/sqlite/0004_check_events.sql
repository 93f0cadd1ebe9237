-- What a running check or detection has done so far, for showing it live. Any app instance
-- may serve the browser's polling, so the events live in the database; they are kept briefly.
CREATE TABLE check_events (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    user_id    INTEGER NOT NULL,
    run_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, run_id, seq)
);
CREATE INDEX check_events_age ON check_events (tenant_id, at);
