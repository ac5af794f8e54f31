-- +goose Up
-- WhatsApp Cloud (WAC): webhooks name their channel by address (phone_number_id), and Meta's message ids are
-- looked up to recognise redeliveries and to apply status updates.
CREATE INDEX channels_address ON channels (channel_type, address) WHERE is_active;
CREATE INDEX msgs_external_id ON msgs (channel_id, external_id) WHERE external_id IS NOT NULL;

-- +goose Down
DROP INDEX msgs_external_id;
DROP INDEX channels_address;
