package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
)

// templatesCommand is flowsd templates sync.
func templatesCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "sync" {
		return usageError{`unknown command: use "flowsd templates sync"`}
	}
	return syncTemplates(args[1:], stdout, stderr)
}

// syncTemplates fetches a WhatsApp Cloud channel's message templates and WhatsApp Flows from Meta now, and
// prints what changed as JSON.
func syncTemplates(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd templates sync", flag.ContinueOnError)
	config := runtime.Flags(fs, "db", "webhook-timeout", "webhooks-deny", "wac-access-token")
	channel := fs.String("channel", "", "UUID of the WhatsApp Cloud channel (required)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *channel == "" {
		return usageError{"--channel is required"}
	}
	cfg, err := loadConfig(config)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	ch, err := a.store.ChannelByUUID(ctx, *channel)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no channel %s", *channel)
	} else if err != nil {
		return err
	}
	res, err := a.gateway.SyncTemplates(ctx, ch)
	if err != nil {
		return err
	}
	return printJSON(stdout, res)
}
