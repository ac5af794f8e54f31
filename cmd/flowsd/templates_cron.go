package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/work"
)

// templatesCron syncs every active channel's message templates and WhatsApp Flows from Meta every
// --templates-every, as RapidPro's refresh_templates task does every 6 hours: one process at a time, at once
// when it starts leading. A channel whose sync fails (its log says why) doesn't stop the others'.
func (a *app) templatesCron() *work.Cron {
	return &work.Cron{Name: "template sync", Every: a.rt.Config.TemplatesEvery, Leader: a.store.Leader(), Log: a.rt.Log, Job: func(ctx context.Context) error {
		var types []string
		for _, code := range channels.Codes() {
			if _, ok := channels.Get(code).(channels.TemplateLister); ok {
				types = append(types, code)
			}
		}
		chs, err := a.store.ActiveChannelsOfTypes(ctx, types)
		if err != nil {
			return err
		}
		var errs []error
		for i := range chs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res, err := a.gateway.SyncTemplates(ctx, &chs[i])
			if err != nil {
				errs = append(errs, fmt.Errorf("syncing channel %s's templates: %w", chs[i].UUID, err))
				continue
			}
			a.rt.Log.Info("templates synced", "channel", chs[i].UUID, "templates", res.Fetched, "created", res.Created,
				"updated", res.Updated, "deleted", res.Deleted, "whatsapp_flows", res.Flows)
		}
		return errors.Join(errs...)
	}}
}
