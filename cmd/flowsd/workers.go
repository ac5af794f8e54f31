package main

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/work"
)

// waitsKind is the work of firing waits' timeouts and flows' expiries: nothing signals it, as its work comes
// due by the clock and is found by polling.
const waitsKind work.Kind = "waits"

// campaignFiresKind is the work of firing campaign events: their fires come due by the clock.
const campaignFiresKind work.Kind = "campaign fires"

// resthookRetriesKind is the work of retrying failed resthook deliveries: they come due by the clock too.
const resthookRetriesKind work.Kind = "resthook retries"

// schedulesKind is the work of firing schedules: they come due by the clock as well.
const schedulesKind work.Kind = "schedules"

// workers are the background work serve runs in this process, each kind on the one mechanism of package work:
// a loop that claims rows and does them, woken by the signals of the transactions that make work.
func (a *app) workers() []*work.Worker {
	cfg, log := a.rt.Config, a.rt.Log
	starts := &flows.Starts{Host: a.flows, BatchSize: cfg.StartBatch}
	var ws []*work.Worker
	for i := 0; i < cfg.StartWorkers; i++ {
		ws = append(ws, &work.Worker{Name: "flow starts", Kind: models.WorkStarts, Poll: cfg.WorkerPoll, Do: starts.WorkOnce, Siblings: true, Log: log})
	}
	ws = append(ws,
		&work.Worker{Name: "wait timeouts and expiries", Kind: waitsKind, Poll: cfg.WorkerPoll, Do: a.flows.FireOnce, Log: log},
		&work.Worker{Name: "smart group evaluation", Kind: models.WorkGroups, Poll: cfg.WorkerPoll, Do: flows.EvaluateGroups(a.store), Log: log},
		&work.Worker{Name: "schedules", Kind: schedulesKind, Poll: cfg.WorkerPoll, Do: flows.FireSchedules(a.store), Log: log},
	)
	broadcasts := &flows.Broadcasts{Host: a.flows, BatchSize: flows.BroadcastBatch(a.store.Dialect)}
	for i := 0; i < cfg.BroadcastWorkers; i++ {
		ws = append(ws, &work.Worker{Name: "broadcasts", Kind: models.WorkBroadcasts, Poll: cfg.WorkerPoll, Do: broadcasts.WorkOnce, Siblings: true, Log: log})
	}
	fires := &flows.CampaignFires{Host: a.flows}
	for i := 0; i < cfg.CampaignWorkers; i++ {
		ws = append(ws, &work.Worker{Name: "campaign fires", Kind: campaignFiresKind, Poll: cfg.WorkerPoll, Do: fires.WorkOnce, Siblings: true, Log: log})
	}
	retries := &flows.ResthookRetries{Host: a.flows}
	for i := 0; i < cfg.ResthookWorkers; i++ {
		ws = append(ws, &work.Worker{Name: "resthook retries", Kind: resthookRetriesKind, Poll: cfg.WorkerPoll, Do: retries.WorkOnce, Log: log})
	}
	sender := a.sender()
	for i := 0; i < cfg.SendWorkers; i++ {
		ws = append(ws, &work.Worker{Name: "message sends", Kind: models.WorkSends, Poll: cfg.WorkerPoll, Do: sender.WorkOnce, Siblings: true, Log: log})
	}
	for _, w := range ws {
		w.Observe = a.rt.Metrics.ObserveBatch // flowsd_worker_batch_duration_seconds
	}
	return ws
}

// sender sends queued messages through their channels: a send may take the webhook timeout for each of a few
// parts, and a sender that dies lets its messages go after its lease; errored sends are tried again after
// --send-retry and twice that, and the third error fails them (courier's schedule).
func (a *app) sender() *gateway.Sender {
	cfg := a.rt.Config
	return &gateway.Sender{Gateway: a.gateway, Batch: 500, Concurrency: cfg.SendConcurrency, Lease: 4*cfg.WebhookTimeout + 5*time.Second,
		Retry: work.Schedule{First: cfg.SendRetry, Factor: 2, Attempts: 3, Jitter: -1, Horizon: 100 * 365 * 24 * time.Hour}}
}

// startWorkers runs the workers in the runtime's work group, which stops them on close.
func (a *app) startWorkers() {
	for _, w := range a.workers() {
		w := w
		a.rt.Work.Go(w.Name, func(ctx context.Context) error { return w.Run(ctx, a.rt.Signals) })
	}
	if a.rt.Config.ArchiveAfter > 0 {
		cron := a.archiveCron()
		a.rt.Work.Go(cron.Name, cron.Run)
	}
	if a.rt.Config.TemplatesEvery > 0 {
		cron := a.templatesCron()
		a.rt.Work.Go(cron.Name, cron.Run)
	}
}
