package wac

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"

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

// FetchFlows reads the WhatsApp Flows of the channel's WABA, each with its "assets" as Weni keeps them: the
// ids of the screens of the flow's JSON and the keys of their data, read from the flow's asset (flowAssets).
func (handler) FetchFlows(ctx context.Context, ch *channels.Channel, client *http.Client) ([]json.RawMessage, error) {
	items, err := fetchList(ctx, ch, client, "flows", url.Values{"fields": {"id,name,status,categories"}})
	if err != nil {
		return nil, err
	}
	for i, item := range items {
		var fields map[string]json.RawMessage
		var id struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(item, &fields) != nil || json.Unmarshal(item, &id) != nil || id.ID == "" {
			continue
		}
		fields["assets"], _ = json.Marshal(flowAssets(ctx, ch, client, id.ID))
		items[i], _ = json.Marshal(fields)
	}
	return items, nil
}

// FlowAssets is what Weni keeps of a WhatsApp Flow's JSON: its screens' ids and the keys of their data, each
// list sorted and without repeats.
type FlowAssets struct {
	Screens   []string `json:"screens"`
	Variables []string `json:"variables"`
}

// flowAssets reads a flow's JSON through the download URL Graph gives for its asset (a signed URL, fetched
// without the token) and finds its screens and variables as Weni does: every string "id" of an object and
// every key of a "data" object, anywhere in the document. As in Weni, a flow whose asset can't be had has none,
// and its sync goes on; the calls are in the sync's channel log either way.
func flowAssets(ctx context.Context, ch *channels.Channel, client *http.Client, flowID string) FlowAssets {
	out := FlowAssets{Screens: []string{}, Variables: []string{}}
	var list struct {
		Data []struct {
			DownloadURL string `json:"download_url"`
		} `json:"data"`
	}
	if getJSON(ctx, client, graphBase(ch)+"/"+url.PathEscape(flowID)+"/assets", accessToken(ch), &list) != nil || len(list.Data) == 0 || list.Data[0].DownloadURL == "" {
		return out
	}
	var doc any
	if getJSON(ctx, client, list.Data[0].DownloadURL, "", &doc) != nil {
		return out
	}
	screens, vars := map[string]bool{}, map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["id"].(string); ok {
				screens[id] = true
			}
			for k, child := range v {
				if data, ok := child.(map[string]any); ok && k == "data" {
					for key := range data {
						vars[key] = true
					}
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	out.Screens, out.Variables = slices.Sorted(maps.Keys(screens)), slices.Sorted(maps.Keys(vars))
	return out
}

// getJSON GETs a URL (with the bearer token unless it is "") and decodes a 2xx answer's JSON into v.
func getJSON(ctx context.Context, client *http.Client, u, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("Graph answered %d", resp.StatusCode)
	}
	return json.Unmarshal(body, v)
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
