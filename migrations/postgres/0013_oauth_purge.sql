-- Sign-ins with the provider whose browser never came back are purged (server/housekeeping.rs)
-- once their state has expired (15 minutes, server/oauth); the purge sees nothing else of the
-- table.
CREATE INDEX oauth_sign_ins_pending ON oauth_sign_ins (started_at) WHERE status = 'pending';
CREATE POLICY purge_read ON oauth_sign_ins FOR SELECT
    USING (pochta_capability('app.purge') = 'on' AND status = 'pending' AND started_at <= pochta_now_ms() - 900000);
CREATE POLICY purge_delete ON oauth_sign_ins FOR DELETE
    USING (pochta_capability('app.purge') = 'on' AND status = 'pending' AND started_at <= pochta_now_ms() - 900000);
