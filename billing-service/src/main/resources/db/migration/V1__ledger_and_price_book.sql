-- billing-service schema. Money is NUMERIC (exact decimal, read as BigDecimal), never floating point; time is
-- timestamptz (UTC instants).

-- The ledger: one row per usage event, keyed by the event id (the request id), so a redelivered or duplicated event
-- is a no-op. Rows are never changed or removed (enforced below); corrections are new price versions, not edits.
CREATE TABLE usage_event (
    event_id          text        PRIMARY KEY,
    occurred_at       timestamptz NOT NULL,
    tenant            text        NOT NULL,
    team              text        NOT NULL,
    key_id            text        NOT NULL,
    model             text        NOT NULL,
    backend           text        NOT NULL,
    endpoint          text        NOT NULL,
    prompt_tokens     bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint      NOT NULL CHECK (completion_tokens >= 0),
    cached_tokens     bigint      NOT NULL CHECK (cached_tokens >= 0 AND cached_tokens <= prompt_tokens),
    latency_ms        bigint      NOT NULL CHECK (latency_ms >= 0),
    outcome           text        NOT NULL,
    ingested_at       timestamptz NOT NULL DEFAULT now(),
    -- where the event was read from, for audits against the topic
    kafka_partition   integer     NOT NULL,
    kafka_offset      bigint      NOT NULL
);
CREATE INDEX usage_event_tenant_time ON usage_event (tenant, occurred_at);

CREATE FUNCTION usage_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage_event is append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER usage_event_append_only BEFORE UPDATE OR DELETE ON usage_event
    FOR EACH ROW EXECUTE FUNCTION usage_event_is_append_only();

-- Hourly rollup, maintained in the same transaction as the ledger rows it sums. The hour is the pricing grain:
-- price versions start and end on whole UTC hours, so every hour row has exactly one price and day, month or any
-- other period is an exact sum of hour rows.
CREATE TABLE usage_hourly (
    bucket            timestamptz NOT NULL,
    tenant            text        NOT NULL,
    team              text        NOT NULL,
    key_id            text        NOT NULL,
    model             text        NOT NULL,
    backend           text        NOT NULL,
    requests          bigint      NOT NULL,
    prompt_tokens     bigint      NOT NULL,
    completion_tokens bigint      NOT NULL,
    cached_tokens     bigint      NOT NULL,
    PRIMARY KEY (tenant, bucket, team, key_id, model, backend)
);
CREATE INDEX usage_hourly_bucket ON usage_hourly (bucket);

-- Hardware a self-hosted model runs on, priced per accelerator-hour.
CREATE TABLE hardware_profile (
    id                text          PRIMARY KEY,
    accelerator       text          NOT NULL,
    accelerator_count integer       NOT NULL CHECK (accelerator_count > 0),
    usd_per_hour      numeric(14,4) NOT NULL CHECK (usd_per_hour >= 0),
    description       text          NOT NULL,
    updated_at        timestamptz   NOT NULL DEFAULT now()
);

-- The price book: per model, versions that tile time without overlapping; effective_to NULL = until further notice.
-- A reference version is a commercial list price; a self_hosted version is derived from a hardware profile and a
-- measured throughput, whose inputs are kept on the row so every report can show them.
CREATE TABLE price_version (
    id                         bigserial     PRIMARY KEY,
    model                      text          NOT NULL,
    kind                       text          NOT NULL CHECK (kind IN ('reference', 'self_hosted')),
    input_per_million          numeric(20,6) NOT NULL CHECK (input_per_million >= 0),
    cached_input_per_million   numeric(20,6) NOT NULL CHECK (cached_input_per_million >= 0),
    output_per_million         numeric(20,6) NOT NULL CHECK (output_per_million >= 0),
    effective_from             timestamptz   NOT NULL CHECK (extract(epoch FROM effective_from)::bigint % 3600 = 0),
    effective_to               timestamptz   CHECK (extract(epoch FROM effective_to)::bigint % 3600 = 0
                                                    AND effective_to > effective_from),
    source                     text          NOT NULL,
    source_date                date,
    hardware_profile           text,
    accelerator                text,
    accelerator_count          integer,
    usd_per_hour               numeric(14,4),
    tokens_per_second          numeric(14,3),
    input_tokens_per_second    numeric(14,3),
    utilisation                numeric(6,4),
    throughput_source          text,
    created_at                 timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX price_version_model ON price_version (model, effective_from);

-- The pricing rules, in one place for every query. utc_hour: the rollup's bucket, independent of the session's time
-- zone. price_in_effect: versions cover [effective_from, effective_to). token_cost_usd: cached tokens are part of the
-- prompt and priced at the cached rate; multiplying by 10^-6 keeps the result exact (no division rounding).
CREATE FUNCTION utc_hour(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_bin('1 hour', t, timestamptz '2000-01-01 00:00:00+00');
CREATE FUNCTION price_in_effect(p price_version, t timestamptz) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN t >= p.effective_from AND (p.effective_to IS NULL OR t < p.effective_to);
CREATE FUNCTION token_cost_usd(prompt bigint, cached bigint, completion bigint, p price_version) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((prompt - cached) * p.input_per_million + cached * p.cached_input_per_million
            + completion * p.output_per_million) * 0.000001;

-- The commercial model each tenant compares itself against (absent: gpt-4o).
CREATE TABLE tenant_settings (
    tenant          text        PRIMARY KEY,
    reference_model text        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Monthly (UTC calendar month) budgets for a whole tenant (team NULL) or one team.
CREATE TABLE budget (
    id          bigserial     PRIMARY KEY,
    tenant      text          NOT NULL,
    team        text,
    monthly_usd numeric(14,2) NOT NULL CHECK (monthly_usd > 0),
    thresholds  integer[]     NOT NULL,
    webhook_url text,
    updated_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX budget_scope ON budget (tenant, coalesce(team, ''));

-- Each threshold of each budget fires once per month: the primary key is the "once".
CREATE TABLE budget_alert (
    budget_id  bigint        NOT NULL REFERENCES budget (id) ON DELETE CASCADE,
    period     date          NOT NULL,
    threshold  integer       NOT NULL,
    spent_usd  numeric(24,6) NOT NULL,
    limit_usd  numeric(14,2) NOT NULL,
    fired_at   timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (budget_id, period, threshold)
);

-- Webhook deliveries of alerts (an outbox): written with the alert, sent and retried by a job.
CREATE TABLE webhook_delivery (
    id              bigserial   PRIMARY KEY,
    url             text        NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
