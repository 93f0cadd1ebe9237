-- Whether an account was ever saved with the sign-in (server/db/account_secrets.rs). One that none
-- was, finished a day ago, is purged with its tokens (server/housekeeping.rs); one its accounts
-- stop using goes with that change.
ALTER TABLE oauth_sign_ins ADD COLUMN saved INTEGER NOT NULL DEFAULT 0 CHECK (saved IN (0, 1));
CREATE INDEX oauth_sign_ins_unsaved ON oauth_sign_ins (updated_at) WHERE saved = 0 AND status <> 'pending';
