package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/nyaruka/phonenumbers/v2"
)

// channelOut is what the channel commands print of a channel.
type channelOut struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Address string `json:"address"`
}

func outChannel(ch *models.Channel) channelOut {
	return channelOut{UUID: ch.UUID, Name: ch.Name, Type: ch.ChannelType, Address: ch.Address}
}

// channelCommand is flowsd channel create|list.
func channelCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return usageError{`unknown command: use "flowsd channel create" or "flowsd channel list"`}
	}
	if args[0] == "list" {
		return listChannels(args[1:], stdout, stderr)
	}
	return createChannel(args[1:], stdout, stderr)
}

// createChannel adds a channel to a workspace: its type (EX, courier's External API channel, or WAC, Meta's
// WhatsApp Cloud API, whose address is the number's phone_number_id), name, address (the number or id messages
// come from), country (how phone numbers it gets are read), URN schemes and config (the
// type's keys: send_url, method, body, …). It prints {"uuid", "name", "type", "address"}.
func createChannel(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd channel create", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	workspace := fs.String("workspace", "", "UUID of the workspace (required)")
	typ := fs.String("type", "", "channel type: "+strings.Join(channels.Codes(), ", ")+" (required)")
	name := fs.String("name", "", "name of the channel, at most 64 characters (required)")
	address := fs.String("address", "", "the channel's address: its phone number, short code or id (required)")
	country := fs.String("country", "", "ISO 3166-1 alpha-2 country the channel is in, e.g. RW: phone numbers it gets are read in it")
	schemes := fs.String("schemes", "", "comma-separated URN schemes it talks on (default: the type's, tel for EX)")
	cfgJSON := fs.String("config", "{}", `the type's config as a JSON object, e.g. {"send_url": "https://gateway/send?to={{to}}&text={{text}}"}`)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	spec, err := channelSpec(*typ, *name, *address, *country, *schemes, *cfgJSON)
	if err != nil {
		return usageError{err.Error()}
	}
	if *workspace == "" {
		return usageError{"--workspace is required"}
	}
	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()
	ch, err := a.store.CreateChannel(ctx, ws.ID, spec)
	if err != nil {
		return err
	}
	return printJSON(stdout, outChannel(ch))
}

// channelSpec checks what a new channel is made of.
func channelSpec(typ, name, address, country, schemes, cfgJSON string) (models.ChannelSpec, error) {
	h := channels.Get(typ)
	if h == nil {
		return models.ChannelSpec{}, fmt.Errorf("--type must be one of %s", strings.Join(channels.Codes(), ", "))
	}
	name, address = strings.TrimSpace(name), strings.TrimSpace(address)
	switch {
	case name == "":
		return models.ChannelSpec{}, fmt.Errorf("--name is required")
	case utf8.RuneCountInString(name) > models.MaxChannelNameLen:
		return models.ChannelSpec{}, fmt.Errorf("--name can't be longer than %d characters", models.MaxChannelNameLen)
	case address == "":
		return models.ChannelSpec{}, fmt.Errorf("--address is required")
	case len(address) > 255:
		return models.ChannelSpec{}, fmt.Errorf("--address can't be longer than 255 characters")
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	if country != "" {
		if _, ok := phonenumbers.GetSupportedRegions()[country]; !ok {
			return models.ChannelSpec{}, fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", country)
		}
	}
	cfg, err := channels.ParseConfig(cfgJSON)
	if err != nil {
		return models.ChannelSpec{}, fmt.Errorf("--config: %v", err)
	}
	if v, ok := h.(channels.Validator); ok {
		if err := v.ValidateChannel(address, cfg); err != nil {
			return models.ChannelSpec{}, fmt.Errorf("--config: %v", err)
		}
	}
	if d, ok := h.(channels.Defaulter); ok {
		for k, v := range d.ConfigDefaults() {
			if _, given := cfg[k]; !given {
				cfg[k] = v
			}
		}
	}
	var stored strings.Builder
	enc := json.NewEncoder(&stored)
	enc.SetEscapeHTML(false) // bodies and URLs are templates full of & and < that read better as they are
	if err := enc.Encode(cfg); err != nil {
		return models.ChannelSpec{}, fmt.Errorf("--config: %v", err)
	}
	list := splitList(strings.ToLower(schemes))
	if len(list) == 0 {
		list = h.Schemes()
	}
	return models.ChannelSpec{Type: h.Code(), Name: name, Address: address, Country: country, Schemes: list, Config: strings.TrimSpace(stored.String())}, nil
}

// listChannels prints a workspace's active channels as a JSON array, oldest first.
func listChannels(args []string, stdout, stderr io.Writer) error {
	ctx := context.Background()
	a, ws, err := newWorkspaceCommand("flowsd channel list").open(ctx, args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.close()
	page, err := a.store.Channels(ws.ID).Page(ctx, models.PageSpec{Ascending: true, Size: 10000})
	if err != nil {
		return err
	}
	out := make([]channelOut, len(page.Rows))
	for i := range page.Rows {
		out[i] = outChannel(&page.Rows[i])
	}
	return printJSON(stdout, out)
}
