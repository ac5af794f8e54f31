package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/flowsd/flowsd/runtime"
)

// status is flowsd status: the queues of background work in the database, as /metrics shows them, for a person
// at a terminal: how many items wait in each and how long the oldest has.
func status(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd status", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %v", fs.Args())}
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
	queues, err := a.store.Queues(ctx)
	if err != nil {
		return err
	}
	now := a.rt.Now()
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tWAITING\tOLDEST\t")
	for _, q := range queues {
		oldest := "-"
		if q.Oldest != nil {
			oldest = fmt.Sprintf("%s ago", now.Sub(*q.Oldest).Round(time.Second))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", q.Name, q.Depth, oldest)
	}
	return tw.Flush()
}
