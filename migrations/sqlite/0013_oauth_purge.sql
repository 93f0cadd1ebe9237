-- Sign-ins with the provider whose browser never came back are purged (server/housekeeping.rs)
-- once their state has expired (15 minutes, server/oauth).
CREATE INDEX oauth_sign_ins_pending ON oauth_sign_ins (started_at) WHERE status = 'pending';
