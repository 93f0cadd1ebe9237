-- Whether an account was ever saved with the sign-in (server/db/account_secrets.rs). One that none
-- was, finished a day ago, is purged with its tokens (server/housekeeping.rs); one its accounts
-- stop using goes with that change. The purge sees those and the abandoned ones (0013), nothing
-- else of the table.
ALTER TABLE oauth_sign_ins ADD COLUMN saved INTEGER NOT NULL DEFAULT 0 CHECK (saved IN (0, 1));
CREATE INDEX oauth_sign_ins_unsaved ON oauth_sign_ins (updated_at) WHERE saved = 0 AND status <> 'pending';
DROP POLICY purge_read ON oauth_sign_ins;
DROP POLICY purge_delete ON oauth_sign_ins;
CREATE POLICY purge_read ON oauth_sign_ins FOR SELECT
    USING (pochta_capability('app.purge') = 'on' AND (
        (status = 'pending' AND started_at <= pochta_now_ms() - 900000)
        OR (saved = 0 AND status <> 'pending' AND updated_at <= pochta_now_ms() - 86400000)));
CREATE POLICY purge_delete ON oauth_sign_ins FOR DELETE
    USING (pochta_capability('app.purge') = 'on' AND (
        (status = 'pending' AND started_at <= pochta_now_ms() - 900000)
        OR (saved = 0 AND status <> 'pending' AND updated_at <= pochta_now_ms() - 86400000)));
