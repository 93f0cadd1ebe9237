-- A delivery's record in one round trip, the outbox's most frequent write (server/db/outbox.rs,
-- `record_sent`): as a transaction of its own (BEGIN with the tenant, UPDATE, COMMIT) it took
-- three, each a wake-up of the app and of this server per letter. The tenant is set for this
-- call alone, so row-level security fences the UPDATE as in any of the app's transactions, and
-- whatever tenant the caller's transaction had is back when it returns. Not SECURITY DEFINER:
-- it runs as the app's role. The claim is matched as `FINISH` there matches it: by the letter,
-- its attempt and that attempt's lease.
CREATE FUNCTION pochta_outbox_sent(tenant BIGINT, letter BIGINT, attempt BIGINT, lease BIGINT, at BIGINT) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    callers_tenant TEXT := current_setting('app.tenant_id', true);
    marked BIGINT;
BEGIN
    PERFORM set_config('app.tenant_id', tenant::TEXT, true);
    UPDATE outbox SET status = 'sent', sent_at = at
        WHERE tenant_id = tenant AND id = letter AND attempts = attempt AND next_attempt_at = lease AND status = 'sending';
    GET DIAGNOSTICS marked = ROW_COUNT;
    PERFORM set_config('app.tenant_id', COALESCE(callers_tenant, ''), true);
    RETURN marked = 1;
END $$;
GRANT EXECUTE ON FUNCTION pochta_outbox_sent(BIGINT, BIGINT, BIGINT, BIGINT, BIGINT) TO pochta_app;
