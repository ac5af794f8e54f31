package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/throttle"
)

// errHelp means --help was asked for and answered.
var errHelp = errors.New("help shown")

// DefaultAdminEmail is the administrator of the workspace serve creates on an empty database.
const DefaultAdminEmail = "admin@flowsd.local"

// parseFlags parses args into fs, turning flag mistakes into usage errors.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// loadConfig builds the configuration from parsed flags; a mistake in it is a usage error.
func loadConfig(config func() (*runtime.Config, error)) (*runtime.Config, error) {
	cfg, err := config()
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return cfg, checkConfig(cfg)
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd serve", flag.ContinueOnError)
	config := runtime.Flags(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	rt := a.rt

	if err := ensureDefaultWorkspace(ctx, a.store, stderr); err != nil {
		return err
	}
	a.startWorkers()

	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second}

	served := make(chan error, 2)
	// the metrics' own listener is bound before the API is said to listen, so that whoever waits for that
	// (a supervisor, a test) finds /metrics there too
	if addr := cfg.MetricsAddr; addr != "" && addr != "off" {
		metricsListener, err := net.Listen("tcp", addr)
		if err != nil {
			listener.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metricsHandler())
		metricsSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		defer metricsSrv.Close()
		rt.Log.Info("metrics listening", "url", "http://"+metricsListener.Addr().String()+"/metrics")
		go func() { served <- metricsSrv.Serve(metricsListener) }()
	}
	rt.Log.Info("flowsd listening", "url", "http://"+listener.Addr().String()+"/api/v2/", "db", redactURL(cfg.DB),
		"rates", throttle.FormatRates(cfg.Rates), "shared_rates", cfg.RedisURL != "")
	go func() { served <- srv.Serve(api.Listener(listener)) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	rt.Log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	rt.Log.Info("stopped")
	return nil
}

// ensureDefaultWorkspace gives a new, empty database a workspace and an administrator's token, printed once,
// so that the API can be called straight away.
func ensureDefaultWorkspace(ctx context.Context, store *models.Store, stderr io.Writer) error {
	n, err := store.CountWorkspaces(ctx)
	if err != nil || n > 0 {
		return err
	}
	ws, user, token, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Default", Languages: []string{"eng"}}, DefaultAdminEmail)
	if err != nil {
		return fmt.Errorf("creating the default workspace: %w", err)
	}
	fmt.Fprintf(stderr, "\nCreated workspace %q (%s) with administrator %s.\nAPI token (shown once, keep it): %s\n\n",
		ws.Name, ws.UUID, user.Email, token)
	return nil
}

func migrate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd migrate", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(config)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	applied, err := a.store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", applied)
	return nil
}

func createWorkspace(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd workspace create", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	name := fs.String("name", "", "workspace name (required)")
	email := fs.String("email", "", "email of its administrator, created if new (required)")
	country := fs.String("country", "", "ISO 3166-1 alpha-2 country code, e.g. RW: local phone numbers are read in it")
	timezone := fs.String("timezone", "UTC", "IANA timezone, e.g. Africa/Kigali")
	languages := fs.String("languages", "eng", "comma-separated ISO 639-3 flow languages, the first the default")
	dateStyle := fs.String("date-style", models.DayFirst, "how dates are read and written: day_first, month_first or year_first")
	anon := fs.Bool("anon", false, "anonymous workspace: contact URNs are hidden in the API")
	profile := fs.String("profile", models.ProfileDefault, "API profile: default (current RapidPro) or weni")
	rates := fs.String("rates", "", "this workspace's own request rates per scope, e.g. v2=15000/hour")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *name == "" || *email == "" {
		return usageError{"--name and --email are required"}
	}
	cfg, err := loadConfig(config)
	if err != nil {
		return err
	}
	overrides, err := parseRateOverrides(*rates)
	if err != nil {
		return usageError{err.Error()}
	}
	spec := models.WorkspaceSpec{Name: *name, Country: *country, Timezone: *timezone, Languages: splitList(*languages),
		DateStyle: *dateStyle, Anon: *anon, Profile: *profile, Rates: overrides}
	if err := spec.Normalize(); err != nil {
		return usageError{err.Error()}
	}

	ctx := context.Background()
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	ws, user, token, err := a.store.CreateWorkspace(ctx, spec, *email)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{
		"workspace": map[string]string{"uuid": ws.UUID, "name": ws.Name},
		"user":      map[string]string{"email": user.Email, "role": string(models.RoleAdministrator)},
		"token":     token,
	})
}

func createToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd token create", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	workspace := fs.String("workspace", "", "UUID of the workspace (required)")
	email := fs.String("email", "", "email of the token's user, created if new (required)")
	roleName := fs.String("role", string(models.RoleAdministrator), "role given to the user if not yet a member: administrator, editor or agent")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *workspace == "" || *email == "" {
		return usageError{"--workspace and --email are required"}
	}
	role, err := models.ParseRole(*roleName)
	if err != nil {
		return usageError{err.Error()}
	}
	if _, err := models.NormalizeEmail(*email); err != nil {
		return usageError{err.Error()}
	}
	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()
	token, err := a.store.CreateToken(ctx, ws.ID, *email, role)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]string{"token": token})
}

func parseRateOverrides(s string) (map[string]string, error) {
	rates, err := throttle.ParseRates(s)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for scope, r := range rates {
		out[string(scope)] = r.String()
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// redactURL hides a database password in logs.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if at := strings.LastIndex(u, "@"); at > i {
			if colon := strings.Index(u[i+3:at], ":"); colon >= 0 {
				return u[:i+3+colon+1] + "***" + u[at:]
			}
		}
	}
	return u
}
