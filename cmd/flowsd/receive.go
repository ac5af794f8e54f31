package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/urns"
)

// receive hands a message from a contact to the flow engine, as the channel layer does when a message
// arrives: a keyword trigger may start a flow, or the contact's waiting flow takes it as its reply. It prints
// the message, the contact and the messages flows sent in answer:
// {"msg": uuid, "contact": uuid, "replies": [text, ...]}.
func receive(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd receive", flag.ContinueOnError)
	config := runtime.Flags(fs, "db", "webhook-timeout")
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
	cfg, err := config()
	if err != nil {
		return usageError{err.Error()}
	}

	ctx := context.Background()
	rt, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer rt.Close()
	ws, err := findWorkspace(ctx, rt, *workspace)
	if err != nil {
		return err
	}
	normalized, err := urns.Normalize(*urn, ws.CountryCode(), ws.IsWeni())
	if err != nil {
		return usageError{fmt.Sprintf("invalid URN %q", *urn)}
	}

	msg, err := rt.Flows.HandleIncoming(ctx, ws, flows.Incoming{URN: normalized, Text: strings.Join(words, " ")})
	if err != nil {
		return err
	}
	var contactUUID string
	replies := []string{}
	if err := rt.Store.DB.Model(&models.Contact{}).Where("id = ?", msg.ContactID).Pluck("uuid", &contactUUID).Error; err != nil {
		return err
	}
	err = rt.Store.DB.Model(&models.Msg{}).Where("contact_id = ? AND direction = ? AND id > ?", msg.ContactID, models.MsgOut, msg.ID).
		Order("id").Pluck("text", &replies).Error
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"msg": msg.UUID, "contact": contactUUID, "replies": replies})
}
