package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/httpx"
)

// TemplateSync is what a sync of a WhatsApp channel did.
type TemplateSync struct {
	*models.TemplateSyncResult
	Flows int `json:"whatsapp_flows"`
}

// SyncTemplates fetches a WhatsApp Cloud channel's message templates and WhatsApp Flows from Meta and stores
// them. The Graph calls are kept as one channel log, secrets redacted, whatever the outcome. A failed fetch
// changes nothing.
func (g *Gateway) SyncTemplates(ctx context.Context, row *models.Channel) (*TemplateSync, error) {
	lister, ok := channels.Get(row.ChannelType).(channels.TemplateLister)
	if !ok || !row.IsActive {
		return nil, fmt.Errorf("channel %s is not an active channel with templates", row.UUID)
	}
	ch, err := g.channelOf(row)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	tctx, traces := httpx.WithTraceCollector(ctx)
	raw, err := lister.FetchTemplates(tctx, ch, g.http)
	var rawFlows []json.RawMessage
	if err == nil {
		rawFlows, err = lister.FetchFlows(tctx, ch, g.http)
	}
	logErrors := "[]"
	if err != nil {
		logErrors = jsonList([]channels.SendError{{Code: "external", Message: err.Error()}})
	}
	log := &models.ChannelLog{UUID: g.store.NewUUID(), ChannelID: row.ID, LogType: models.LogTemplateSync,
		HTTPLogs: httpLogs(traces.Traces(), redactor(channels.Get(row.ChannelType), ch)), Errors: logErrors,
		ElapsedMS: int(time.Since(started) / time.Millisecond), CreatedOn: g.store.Now().UTC()}
	if lerr := g.store.Write(ctx, func(tx *models.Tx) error { return tx.AddChannelLogs([]*models.ChannelLog{log}) }); lerr != nil {
		return nil, lerr
	}
	if err != nil {
		return nil, err
	}
	items := make([]models.MetaTemplate, 0, len(raw))
	for _, r := range raw {
		var item models.MetaTemplate
		if json.Unmarshal(r, &item) == nil {
			items = append(items, item)
		}
	}
	flows := make([]models.MetaFlow, 0, len(rawFlows))
	for _, r := range rawFlows {
		var f models.MetaFlow
		if json.Unmarshal(r, &f) == nil {
			flows = append(flows, f)
		}
	}
	res, err := g.store.SyncTemplates(ctx, row, items)
	if err != nil {
		return nil, err
	}
	res.Fetched = len(raw)
	res.Skipped += len(raw) - len(items)
	n, err := g.store.SyncWhatsAppFlows(ctx, row, flows)
	if err != nil {
		return nil, err
	}
	return &TemplateSync{TemplateSyncResult: res, Flows: n}, nil
}
