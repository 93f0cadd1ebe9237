-- PostgreSQL's migration 3 turns on row-level security. SQLite has none: there the tenant is
-- fenced by the `tenant_id = $1` every query carries. This step exists so both backends number
-- their migrations alike (tests/api/schema.rs compares the schemas they build).
SELECT 1;
