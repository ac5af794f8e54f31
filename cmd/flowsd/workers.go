package main

import (
	"context"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/work"
)

// waitsKind is the work of firing waits' timeouts and flows' expiries: nothing signals it, as its work comes
// due by the clock and is found by polling.
const waitsKind work.Kind = "waits"

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
	)
	return ws
}

// startWorkers runs the workers in the runtime's work group, which stops them on close.
func (a *app) startWorkers() {
	for _, w := range a.workers() {
		w := w
		a.rt.Work.Go(w.Name, func(ctx context.Context) error { return w.Run(ctx, a.rt.Signals) })
	}
}
