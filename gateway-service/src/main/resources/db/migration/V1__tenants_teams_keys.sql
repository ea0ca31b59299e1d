-- gateway-service schema: who may call. Identifiers are short lowercase slugs: they travel in usage events and
-- become metric labels.

CREATE TABLE tenant (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    name       text        NOT NULL,
    -- limits for the whole tenant (NULL: none); each key has its own as well
    rpm_limit  integer     CHECK (rpm_limit > 0),
    tpm_limit  bigint      CHECK (tpm_limit > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team (
    tenant     text        NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    id         text        NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, id)
);

-- API keys: the secret is never stored, only its SHA-256 (keys are 256-bit random, so a fast hash is enough; a slow
-- password hash would only slow every request). The id is the key's public part, embedded in the key itself, so a
-- lookup is one primary-key read.
CREATE TABLE api_key (
    id                 text          PRIMARY KEY,
    secret_sha256      bytea         NOT NULL,
    tenant             text          NOT NULL,
    team               text          NOT NULL,
    name               text          NOT NULL,
    allowed_models     text[],                      -- NULL: every model
    expires_at         timestamptz,
    revoked_at         timestamptz,
    rpm_limit          integer       CHECK (rpm_limit > 0),
    tpm_limit          bigint        CHECK (tpm_limit > 0),
    monthly_budget_usd numeric(14,2) CHECK (monthly_budget_usd > 0),
    created_at         timestamptz   NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant, team) REFERENCES team (tenant, id) ON DELETE CASCADE
);
CREATE INDEX api_key_tenant ON api_key (tenant, team);
