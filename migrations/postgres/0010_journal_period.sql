-- «Журнал отправки» by period (issue 14): the first letter queued at or after a moment, found
-- through this index, bounds the journal's walk down `outbox_journal`, so a period costs the
-- same however many letters the tenant has (server/db/outbox.rs, `journal`).
CREATE INDEX outbox_by_time ON outbox (tenant_id, created_at, id);
