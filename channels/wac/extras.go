package wac

import (
	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/stringsx"
)

// WhatsApp's limits on an interactive message's extras.
const (
	maxHeaderText = 60
	maxFooterText = 60
	maxListButton = 20
)

// What a whatsapp_broadcasts message may add to an interactive message (its channels.MsgExtras), as Weni's
// courier renders them: a text header and a footer on reply buttons, lists, CTA urls and WhatsApp Flows (a
// location request has a body only), the list's own button label and row ids. A media header is the first
// attachment, taken by Send for the kinds that may show one (textHeader keeps it a media message).

// textHeader is whether a message asks for a text header, which then wins over an attachment as header.
func textHeader(x *channels.MsgExtras) bool {
	return x != nil && x.HeaderType == "text" && x.HeaderText != ""
}

// mediaHeader is whether a message asks for its first attachment as the header of a kind that doesn't take one
// by itself (a CTA url; reply buttons always do).
func mediaHeader(x *channels.MsgExtras, kind string) bool {
	return x != nil && x.HeaderType == "media" && kind == "url"
}

// withExtras adds a message's extras to the interactive message built for it.
func withExtras(in *interactive, x *channels.MsgExtras) {
	if x == nil || in.Type == "location_request_message" {
		return
	}
	if textHeader(x) {
		in.Header = &header{Type: "text", Text: stringsx.TruncateEllipsis(x.HeaderText, maxHeaderText)}
	}
	if x.Footer != "" {
		in.Footer = &footer{Text: stringsx.TruncateEllipsis(x.Footer, maxFooterText)}
	}
	if in.Type != "list" {
		return
	}
	if x.ButtonText != "" {
		in.Action.Button = stringsx.TruncateEllipsis(x.ButtonText, maxListButton)
	}
	if len(in.Action.Sections) == 1 {
		rows := in.Action.Sections[0].Rows
		for i := range rows {
			if i < len(x.ListIDs) && x.ListIDs[i] != "" {
				rows[i].ID = x.ListIDs[i]
			}
		}
	}
}
