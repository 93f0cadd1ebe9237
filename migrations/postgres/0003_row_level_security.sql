-- Tenant isolation in the database, as a second fence behind the `tenant_id = $1` of every query:
-- row-level security enabled and FORCED on every table with a tenant_id (so even the owner is
-- subject to it), the tenant taken from `app.tenant_id`, which the app sets per transaction with
-- set_config(..., true). The app connects as a member of the non-owner role `pochta_app`.
--
-- Three look-ups happen before the tenant is known; each may see only the row matching a secret
-- key it sets (its "capability"): a session by its token hash (`app.session`), a user by the
-- e-mail being signed in (`app.sign_in`), a set-password link by its token hash
-- (`app.password_link`). Jobs that visit every tenant set `app.tenant_scan` to see the list of
-- tenants, and nothing else of theirs.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pochta_app') THEN
        CREATE ROLE pochta_app NOLOGIN;
    END IF;
END
$$;

CREATE FUNCTION pochta_tenant() RETURNS BIGINT LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::BIGINT $$;

CREATE FUNCTION pochta_capability(name TEXT) RETURNS TEXT LANGUAGE sql STABLE AS
    $$ SELECT NULLIF(current_setting(name, true), '') $$;

-- The tenant registry: a tenant sees itself; a scanning job sees the list; anyone may create.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants
    USING (id = pochta_tenant() OR pochta_capability('app.tenant_scan') = 'on');
CREATE POLICY tenant_create ON tenants FOR INSERT WITH CHECK (true);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON users
    USING (tenant_id = pochta_tenant() OR email_key = pochta_capability('app.sign_in'))
    WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON sessions
    USING (tenant_id = pochta_tenant() OR token_hash = pochta_capability('app.session'))
    WITH CHECK (tenant_id = pochta_tenant() OR token_hash = pochta_capability('app.session'));

ALTER TABLE password_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON password_links
    USING (tenant_id = pochta_tenant() OR token_hash = pochta_capability('app.password_link'))
    WITH CHECK (tenant_id = pochta_tenant() OR token_hash = pochta_capability('app.password_link'));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON audit_log USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE firms ENABLE ROW LEVEL SECURITY;
ALTER TABLE firms FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON firms USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE outlets ENABLE ROW LEVEL SECURITY;
ALTER TABLE outlets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON outlets USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE email_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON email_accounts USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE crm_email_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm_email_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON crm_email_settings USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON notifications USING (tenant_id = pochta_tenant()) WITH CHECK (tenant_id = pochta_tenant());

-- What the app may do: read and write rows, never change the schema.
GRANT USAGE ON SCHEMA public TO pochta_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pochta_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pochta_app;
GRANT EXECUTE ON FUNCTION pochta_tenant(), pochta_capability(TEXT) TO pochta_app;
REVOKE ALL ON _sqlx_migrations FROM pochta_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pochta_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pochta_app;
