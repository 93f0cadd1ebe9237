-- PostgreSQL's migration 15 adds a function that records a delivery in one round trip. SQLite
-- runs in the app's process, where a round trip costs nothing: it writes the same UPDATE in a
-- transaction (server/db/outbox.rs, `record_sent`). This step keeps both numbered alike.
SELECT 1;
