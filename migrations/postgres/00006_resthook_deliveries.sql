-- +goose Up
-- one subscriber's delivery of one resthook event: the first attempt is the flow's own call, the retries are
-- made in the background while status is retrying (leased through claimed_until, as messages are)
CREATE TABLE resthook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id),
    event_id         BIGINT NOT NULL REFERENCES resthook_events (id),
    subscriber_id    BIGINT NOT NULL REFERENCES resthook_subscribers (id),
    flow_id          BIGINT REFERENCES flows (id),
    target_url       TEXT NOT NULL,
    -- sent as the Idempotency-Key header on every attempt
    idempotency_key  VARCHAR(36) NOT NULL,
    -- delivered, retrying, gone (the subscriber answered 410 and was removed) or failed
    status           VARCHAR(16) NOT NULL,
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    first_attempt_on TIMESTAMPTZ NOT NULL,
    last_attempt_on  TIMESTAMPTZ NOT NULL,
    next_attempt_on  TIMESTAMPTZ,
    claimed_until    TIMESTAMPTZ
);
CREATE INDEX resthook_deliveries_event ON resthook_deliveries (event_id, id);
CREATE INDEX resthook_deliveries_due ON resthook_deliveries (next_attempt_on, id) WHERE status = 'retrying';
CREATE INDEX resthook_deliveries_list ON resthook_deliveries (workspace_id, id DESC);

-- +goose Down
DROP TABLE resthook_deliveries;
