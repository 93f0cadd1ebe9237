-- «Доверенные сертификаты»: a company mail server's own certificate an administrator chose to
-- trust for one host and port of their tenant (model::trusted_certificates). One per server;
-- trusting another replaces it. Who and when is kept here and in the audit log.
CREATE TABLE trusted_certificates (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    -- The host in its ASCII form (punycode), as connections compare it.
    host        TEXT    NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    -- SHA-256 of the certificate, `AB:CD:…`.
    sha256      TEXT    NOT NULL,
    -- 1: also accepted although the certificate names another server.
    any_name    INTEGER NOT NULL CHECK (any_name IN (0, 1)),
    trusted_by  INTEGER,
    trusted_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, host, port)
);
