-- The workers' look-ups (issue 14) walk only the letters still to send, each tenant's in the
-- order they come due: claiming a tenant's next letter reads one index entry instead of sorting
-- all its queued letters, and finding the tenants with letters due never reads a sent one
-- (server/db/outbox.rs, `claim` and `due_tenants`).
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (tenant_id, next_attempt_at, id) WHERE status IN ('queued', 'sending');
