package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/urns"
)

// receive hands a message from a contact to the flow engine, as the channel layer does when a message
// arrives: a keyword trigger may start a flow, or the contact's waiting flow takes it as its reply. It prints
// the message, the contact and the messages flows sent in answer:
// {"msg": uuid, "contact": uuid, "replies": [text, ...]}.
func receive(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd receive", flag.ContinueOnError)
	config := runtime.Flags(fs, "db", "webhook-timeout", "webhooks-deny")
	workspace := fs.String("workspace", "", "UUID of the workspace (required)")
	urn := fs.String("urn", "", "the sender's URN, e.g. tel:+250788123123 (required)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: flowsd receive --workspace UUID --urn URN [--db URL] TEXT...\n\nHands a message from a contact to their flows, as if it had arrived on a channel.\n\n")
		fs.PrintDefaults()
	}
	words, err := parseFlagsAndFiles(fs, args, stderr)
	if err != nil {
		return err
	}
	switch {
	case *workspace == "":
		return usageError{"--workspace is required"}
	case *urn == "":
		return usageError{"--urn is required"}
	case len(words) == 0:
		return usageError{"no message text given"}
	}
	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()
	normalized, err := urns.Normalize(*urn, ws.CountryCode(), ws.IsWeni())
	if err != nil {
		return usageError{fmt.Sprintf("invalid URN %q", *urn)}
	}

	msg, err := a.flows.HandleIncoming(ctx, ws, flows.Incoming{URN: normalized, Text: strings.Join(words, " ")})
	if err != nil {
		return err
	}
	contactUUID, err := a.store.ContactUUID(ctx, ws.ID, msg.ContactID)
	if err != nil {
		return err
	}
	replies, err := a.store.RepliesTo(ctx, msg)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"msg": msg.UUID, "contact": contactUUID, "replies": replies})
}
