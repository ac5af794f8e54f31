package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleChannel = models.Channel{ID: 1, UUID: "9a8b001e-a913-486c-80f4-1356e23f582e", Name: "Gateway", Address: "+250788123123",
	ChannelType: "EX", Country: ptr("RW"), IsActive: true, CreatedOn: time.Date(2024, 6, 23, 9, 34, 12, 866000000, time.UTC)}

var channelsListDocs = OperationDocs{Title: "List Channels",
	Params: []Param{
		{Name: "uuid", Help: "A channel UUID to filter by, e.g. 09d23a05-47fe-11e4-bfe9-b8f6b119e9ab"},
		{Name: "address", Help: "A channel address to filter by, e.g. +250783530001"},
	},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertChannel, exampleChannel)}}

// channelOut is RapidPro's channel.
type channelOut struct {
	UUID      string     `json:"uuid"`
	Name      string     `json:"name"`
	Address   string     `json:"address"`
	Type      string     `json:"type"`
	Country   *string    `json:"country"`
	Device    *deviceOut `json:"device"`
	LastSeen  *apiTime   `json:"last_seen"`
	CreatedOn apiTime    `json:"created_on"`
}

// channelOutWeni is RapidPro 8.3's, which Weni writes: no type.
type channelOutWeni struct {
	UUID      string     `json:"uuid"`
	Name      string     `json:"name"`
	Address   string     `json:"address"`
	Country   *string    `json:"country"`
	Device    *deviceOut `json:"device"`
	LastSeen  *apiTime   `json:"last_seen"`
	CreatedOn apiTime    `json:"created_on"`
}

// deviceOut is what an Android channel last said of its phone. flowsd has no Android channels, so every
// channel's device is null, as is its last_seen (which only Android syncs set).
type deviceOut struct {
	Name        *string `json:"name"`
	PowerLevel  int     `json:"power_level"`
	PowerStatus *string `json:"power_status"`
	PowerSource *string `json:"power_source"`
	NetworkType *string `json:"network_type"`
}

// channelTypeSlugs are RapidPro's names of its channel types, by the codes channels are stored with.
var channelTypeSlugs = map[string]string{
	"A": "android", "AC": "arabiacell", "AT": "africastalking", "BS": "burstsms", "BW": "bandwidth", "CM": "clickmobile",
	"CS": "clicksend", "CT": "clickatell", "D3C": "dialog360", "DA": "dartmedia", "DK": "dmark", "EX": "external",
	"FB": "facebook_legacy", "FBA": "facebook", "FC": "freshchat", "FCM": "firebase", "GL": "globe", "H9": "hub9",
	"HM": "hormuud", "HX": "high_connection", "I2": "i2sms", "IB": "infobip", "IG": "instagram", "JC": "jiochat",
	"JCL": "justcall", "JS": "jasmin", "KN": "kannel", "KWA": "kaleyra", "LN": "line", "M3": "m3tech", "MB": "mblox",
	"MBD": "messagebird", "MG": "messangi", "MK": "macrokiosk", "MT": "mtarget", "MTN": "mtn", "NV": "novo",
	"NX": "vonage", "PL": "plivo", "PM": "playmobile", "RC": "rocketchat", "SC": "smscentral", "SL": "slack",
	"ST": "start", "SW": "signalwire", "T": "twilio", "TG": "telegram", "TMS": "twilio_messaging_service", "TQ": "thinq",
	"TRN": "turn", "TS": "telesom", "TW": "somleng", "TWA": "twilio_whatsapp", "VK": "vk", "VP": "viber",
	"WAC": "whatsapp", "WC": "wechat", "WV": "wavy", "YO": "yo", "ZVS": "zenvia_sms", "ZVW": "zenvia_whatsapp",
}

// channelTypeSlug names a channel's type as RapidPro writes it; a code RapidPro doesn't know reads lowercased.
func channelTypeSlug(code string) string {
	if slug, ok := channelTypeSlugs[code]; ok {
		return slug
	}
	return strings.ToLower(code)
}

func convertChannel(c *Ctx, ch *models.Channel) any {
	if c.weni() {
		return channelOutWeni{UUID: ch.UUID, Name: ch.Name, Address: ch.Address, Country: ch.Country, CreatedOn: apiTime(ch.CreatedOn)}
	}
	return channelOut{UUID: ch.UUID, Name: ch.Name, Address: ch.Address, Type: channelTypeSlug(ch.ChannelType), Country: ch.Country,
		CreatedOn: apiTime(ch.CreatedOn)}
}

func listChannels(c *Ctx) error {
	q, err := filterUUID(c, c.store().Channels(c.ws().ID))
	if err != nil {
		return err
	}
	if address := c.query.Get("address"); address != "" {
		q = q.WithAddress(address)
	}
	return respondPage(c, order{}, q.Page, convertEach(func(ch *models.Channel) any { return convertChannel(c, ch) }))
}
