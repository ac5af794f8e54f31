package wac

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/flowsd/flowsd/channels"
)

// ConfigWABAID is the channel's WhatsApp Business Account, whose templates and flows are synced.
const ConfigWABAID = "wa_waba_id"

// maxListPages bounds how many pages a listing is followed for, so a Graph that always says there's more
// can't keep a sync going.
const maxListPages = 100

// FetchTemplates reads every message template of the channel's WABA from Meta, following paging.next. The
// items are Meta's, undecoded. An error means nothing should change.
func (handler) FetchTemplates(ctx context.Context, ch *channels.Channel, client *http.Client) ([]json.RawMessage, error) {
	return fetchList(ctx, ch, client, "message_templates", url.Values{"limit": {"255"}})
}

// FetchFlows reads the WhatsApp Flows of the channel's WABA.
func (handler) FetchFlows(ctx context.Context, ch *channels.Channel, client *http.Client) ([]json.RawMessage, error) {
	return fetchList(ctx, ch, client, "flows", url.Values{"fields": {"id,name,status,categories"}})
}

func fetchList(ctx context.Context, ch *channels.Channel, client *http.Client, what string, params url.Values) ([]json.RawMessage, error) {
	waba, token := setting(ch, ConfigWABAID), accessToken(ch)
	if waba == "" || token == "" {
		return nil, fmt.Errorf("channel %s has no %s or access token", ch.UUID, ConfigWABAID)
	}
	next := graphBase(ch) + "/" + url.PathEscape(waba) + "/" + what + "?" + params.Encode()
	var out []json.RawMessage
	for page := 0; next != ""; page++ {
		if page == maxListPages {
			return nil, fmt.Errorf("%s: more than %d pages", what, maxListPages)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching %s: %w", what, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("fetching %s: %w", what, err)
		}
		var ans struct {
			Data   []json.RawMessage `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
			Error *struct {
				Message string `json:"message"`
				Code    int    `json:"code"`
			} `json:"error"`
		}
		parseErr := json.Unmarshal(body, &ans)
		if resp.StatusCode/100 != 2 {
			if ans.Error != nil {
				return nil, fmt.Errorf("fetching %s: Graph answered %d: %s (code %d)", what, resp.StatusCode, ans.Error.Message, ans.Error.Code)
			}
			return nil, fmt.Errorf("fetching %s: Graph answered %d", what, resp.StatusCode)
		}
		if parseErr != nil {
			return nil, fmt.Errorf("fetching %s: %s", what, msgResponseUnparseable)
		}
		out = append(out, ans.Data...)
		next = ans.Paging.Next
	}
	return out, nil
}
