package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/metrics"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/work"
)

// app is one process's flowsd: the runtime, the store on it and the engine host over the store, wired together.
type app struct {
	rt      *runtime.Runtime
	store   *models.Store
	flows   *flows.Host
	gateway *gateway.Gateway

	watchOnce sync.Once // the metrics' database collectors, registered once
}

// open builds the app cfg describes and brings its database up to date.
func open(ctx context.Context, cfg *runtime.Config) (*app, error) {
	a, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.Migrate(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// connect builds the app without migrating its database.
func connect(ctx context.Context, cfg *runtime.Config) (*app, error) {
	rt, err := runtime.New(ctx, cfg, runtime.Options{})
	if err != nil {
		return nil, err
	}
	store, err := models.OpenStore(ctx, cfg.DB, rt.Now, rt.NewUUID)
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.OnClose(store.Close)
	store.Signals = rt.Signals
	store.Rules = flows.NewRules()
	host := flows.NewHost(store, rt.Log, flows.EngineOptions{HTTPClient: rt.HTTP, UserAgent: "flowsd"})
	host.ResthookRetry = work.Schedule{Attempts: cfg.ResthookAttempts, Horizon: cfg.ResthookHorizon}
	return &app{rt: rt, store: store, flows: host, gateway: gateway.New(rt, store, host)}, nil
}

func (a *app) close() error { return a.rt.Close() }

// services are what the API serves from.
func (a *app) services() api.Services {
	return api.Services{Runtime: a.rt, Store: a.store, Flows: a.flows}
}

// handler serves everything: channels' gateways under /c/, the API everywhere else.
// Every request is observed (observe.go); /metrics is served beside them unless --metrics-addr puts it on a
// listener of its own or turns it off.
func (a *app) handler() http.Handler { return observe(a.rt, a.routes()) }

// routes are serve's handlers, unobserved.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/c/", a.gateway)
	mux.Handle("/", api.New(a.services()))
	if a.rt.Config.MetricsAddr == "" {
		mux.Handle("GET /metrics", a.metricsHandler())
	}
	return mux
}

// metricsHandler serves the process's metrics, with the queues of work read from the database and the
// database pool's statistics at each scrape.
func (a *app) metricsHandler() http.Handler {
	a.watchOnce.Do(func() {
		a.rt.Metrics.WatchQueues(func(ctx context.Context) ([]metrics.Queue, error) {
			queues, err := a.store.Queues(ctx)
			out := make([]metrics.Queue, len(queues))
			for i, q := range queues {
				out[i] = metrics.Queue{Name: q.Name, Depth: q.Depth}
				if q.Oldest != nil {
					out[i].Oldest = *q.Oldest
				}
			}
			return out, err
		}, a.rt.Now)
		if db, err := a.store.SQLDB(); err == nil {
			a.rt.Metrics.WatchDB(db, "flowsd")
		}
	})
	return a.rt.Metrics.Handler()
}

// checkConfig refuses settings no store can be opened with, as mistakes on the command line.
func checkConfig(cfg *runtime.Config) error {
	if _, _, err := models.ParseURL(cfg.DB); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// drain runs a kind of work in the foreground until none is left: a command that made work (an import's smart
// groups) does it before it exits, whether or not a server is running.
func (a *app) drain(ctx context.Context, do func(ctx context.Context) (bool, error)) error {
	return work.Drain(ctx, do)
}

// workspaceCommand is the start of a command run in one workspace: its --workspace and database flags on fs.
type workspaceCommand struct {
	fs        *flag.FlagSet
	config    func() (*runtime.Config, error)
	workspace *string
}

func newWorkspaceCommand(name string, settings ...string) *workspaceCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &workspaceCommand{fs: fs, config: runtime.Flags(fs, append([]string{"db"}, settings...)...), workspace: fs.String("workspace", "", "UUID of the workspace (required)")}
}

// open parses args (usage errors for mistakes, --workspace required, then what check finds wrong with the
// other flags) and opens the app and the workspace. The caller closes the app.
func (w *workspaceCommand) open(ctx context.Context, args []string, stderr io.Writer, check func() error) (*app, *models.Workspace, error) {
	if err := parseFlags(w.fs, args, stderr); err != nil {
		return nil, nil, err
	}
	if *w.workspace == "" {
		return nil, nil, usageError{"--workspace is required"}
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, nil, err
		}
	}
	return openIn(ctx, w.config, *w.workspace)
}

// openIn opens the app a command's flags configure and finds the workspace the command names by UUID. The
// caller closes the app.
func openIn(ctx context.Context, config func() (*runtime.Config, error), workspace string) (*app, *models.Workspace, error) {
	cfg, err := loadConfig(config)
	if err != nil {
		return nil, nil, err
	}
	a, err := open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	ws, err := a.findWorkspace(ctx, workspace)
	if err != nil {
		a.close()
		return nil, nil, err
	}
	return a, ws, nil
}

// findWorkspace finds the workspace a command names by UUID.
func (a *app) findWorkspace(ctx context.Context, uuid string) (*models.Workspace, error) {
	ws, err := a.store.GetWorkspace(ctx, strings.ToLower(strings.TrimSpace(uuid)))
	if models.IsNotFound(err) {
		return nil, fmt.Errorf("no workspace with UUID %q", uuid)
	}
	return ws, err
}
