package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
)

// weniEnv is the WAC env with the Weni workspace beside Nyaruka: a WhatsApp channel of its own on the same fake
// Graph, its templates synced from Meta's items, and the API served over the same store, as flowsd serve does.
type weniEnv struct {
	*wacEnv
	weni      *models.Workspace
	token     string
	channel   *models.Channel
	api       *httptest.Server
	templates map[string]string // uuid by name, Weni's and Nyaruka's
}

const weniPhone = "106540352242999"

func metaBody(text string) map[string]any { return map[string]any{"type": "BODY", "text": text} }

func newWeniEnv(t testing.TB, d models.Dialect, extra map[string]any, configure ...func(*runtime.Config)) *weniEnv {
	w := &weniEnv{wacEnv: newWACEnv(t, d, extra, configure...), templates: map[string]string{}}
	w.weni, w.token = testdb.Workspace(t, w.store, testdb.Weni)
	cfg, _ := json.Marshal(map[string]any{"access_token": wacToken, "graph_url": w.graph.URL, "graph_version": graphtest.Version, "wa_waba_id": "waba2",
		"session_window": false, "tps": 1000000})
	ch, err := w.store.CreateChannel(w.ctx, w.weni.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp Weni", Address: weniPhone, Schemes: []string{"whatsapp"}, Config: string(cfg)})
	w.must(err)
	w.channel = ch
	w.sync(ch, []models.MetaTemplate{
		{ID: "m1", Name: "pedido", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
			{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Olá {{1}}, seu pedido {{2}} saiu."}}},
		{ID: "m2", Name: "pedido", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
			{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Hi {{1}}, your order {{2}} shipped."}}},
		{ID: "m3", Name: "lembrete", Language: "pt_BR", Status: "APPROVED", Category: "MARKETING", Components: []models.MetaComponent{
			{Type: "BODY", Text: "Lembrete para {{1}}"}, {Type: "FOOTER", Text: "Weni"}}},
		{ID: "m4", Name: "rascunho", Language: "pt_BR", Status: "PENDING", Category: "UTILITY", Components: []models.MetaComponent{{Type: "BODY", Text: "Oi"}}},
		{ID: "m5", Name: "rastreio", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
			{Type: "BODY", Text: "Seu pedido {{1}} está a caminho."},
			{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "QUICK_REPLY", Text: "Parar"}, {Type: "URL", Text: "Rastrear", URL: "https://weni.ai/r/{{1}}"},
				{Type: "PHONE_NUMBER", Text: "Ligar", PhoneNumber: "+551140040000"}}}}},
	})
	// Nyaruka's own template, which Weni must never reach
	w.sync(w.wac, []models.MetaTemplate{{ID: "n1", Name: "foreign", Language: "en", Status: "APPROVED", Components: []models.MetaComponent{{Type: "BODY", Text: "Hi {{1}}"}}}})
	w.api = httptest.NewServer(api.New(api.Services{Runtime: w.rt, Store: w.store, Flows: w.host}))
	t.Cleanup(w.api.Close)
	return w
}

func (w *weniEnv) sync(ch *models.Channel, items []models.MetaTemplate) {
	w.t.Helper()
	_, err := w.store.SyncTemplates(w.ctx, ch, items)
	w.must(err)
	var rows []models.Template
	w.must(w.db.Raw.Where("workspace_id = ?", ch.WorkspaceID).Find(&rows).Error)
	for _, r := range rows {
		w.templates[r.Name] = r.UUID
	}
}

// contact makes a Weni contact on WhatsApp in the given groups.
func (w *weniEnv) contact(name, lang, waID string, groups ...int64) *models.Contact {
	w.t.Helper()
	spec := models.ContactSpec{Name: &name, SetURNs: true, URNs: []models.URNSpec{{Identity: "whatsapp:" + waID, Scheme: "whatsapp", Path: waID}},
		Groups: groups, SetGroup: len(groups) > 0}
	if lang != "" {
		spec.Language = &lang
	}
	c, err := w.store.CreateContact(w.ctx, w.weni, spec)
	w.must(err)
	return c
}

// post posts to whatsapp_broadcasts.json as Weni's admin: the status and body.
func (w *weniEnv) postBroadcast(body string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.api.URL+"/api/v2/whatsapp_broadcasts.json", strings.NewReader(body))
	w.must(err)
	req.Header.Set("Authorization", "Token "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	w.must(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// drain works the broadcasts, then sends what they queued.
func (w *weniEnv) drain() {
	w.t.Helper()
	w.drainBroadcasts()
	s := w.sender()
	for w.work(s) {
	}
}

func (w *weniEnv) count(q string, args ...any) (n int64) {
	w.t.Helper()
	w.must(w.db.Raw.Raw(q, args...).Scan(&n).Error)
	return n
}

// sortedSends are Graph's sends in recipient order (the sender sends concurrently).
func sortedSends(g *graphtest.Server) []string {
	out := g.Sends()
	slices.Sort(out)
	return out
}

func templatePayload(to, name, lang string, comps string) string {
	return fmt.Sprintf(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"%s","type":"template","template":{"name":"%s","language":{"policy":"deterministic","code":"%s"}%s}}`,
		to, name, lang, comps)
}

// TestWACTemplateBroadcast: a whatsapp_broadcasts POST naming a template by UUID, to a group, reaches Graph as one
// template payload per contact: each in the translation of their language (the msg's locale first when given),
// the variables evaluated for them, the header image from the msg's attachment; the messages keep their
// templating. By name on a channel, the same. A template gone before the broadcast is worked fails it.
func TestWACTemplateBroadcast(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWeniEnv(t, d, nil)
		g, err := w.store.CreateGroup(w.ctx, w.weni.ID, "Clientes")
		w.must(err)
		w.contact("Ana Souza", "por", "5511988880001", g.ID)
		w.contact("Carl Jones", "eng", "5511988880002", g.ID)
		w.contact("Bia Lima", "", "5511988880003", g.ID)
		w.contact("Not In Group", "por", "5511988880009")

		status, body := w.postBroadcast(fmt.Sprintf(`{"groups":["%s"],"msg":{"attachments":["image/jpeg:https://weni.ai/p.jpg"],
			"template":{"uuid":"%s","variables":["@contact.first_name","A-@(text_length(contact.name))"]}}}`, g.UUID, w.templates["pedido"]))
		if status != http.StatusCreated {
			t.Fatalf("POST: %d %s", status, body)
		}
		// the template is kept normalised, as Weni keeps it
		if want := `"template":{"uuid":"` + w.templates["pedido"] + `","name":"pedido","variables":["@contact.first_name","A-@(text_length(contact.name))"]}`; !strings.Contains(body, want) {
			t.Fatalf("POST answered %s, want %s in it", body, want)
		}
		w.drain()
		header := `{"type":"header","parameters":[{"type":"image","image":{"link":"https://weni.ai/p.jpg"}}]}`
		body2 := func(a, b string) string {
			return fmt.Sprintf(`{"type":"body","parameters":[{"type":"text","text":"%s"},{"type":"text","text":"%s"}]}`, a, b)
		}
		want := []string{
			templatePayload("5511988880001", "pedido", "pt_BR", `,"components":[`+header+`,`+body2("Ana", "A-9")+`]`),
			templatePayload("5511988880002", "pedido", "en_US", `,"components":[`+header+`,`+body2("Carl", "A-10")+`]`),
			templatePayload("5511988880003", "pedido", "pt_BR", `,"components":[`+header+`,`+body2("Bia", "A-8")+`]`),
		}
		if got := sortedSends(w.graph); !slices.Equal(got, want) {
			t.Fatalf("Graph got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var rows []models.Msg
		w.must(w.db.Raw.Where("workspace_id = ? AND direction = ?", w.weni.ID, models.MsgOut).Order("id").Find(&rows).Error)
		if len(rows) != 3 {
			t.Fatalf("%d messages, want 3", len(rows))
		}
		for _, m := range rows {
			tm, err := models.ParseTemplating(m.Templating)
			if err != nil || tm == nil || tm.Template.Name != "pedido" || m.TemplateName == nil || *m.TemplateName != "pedido" || m.Status != models.MsgWired {
				t.Fatalf("message %q: templating %v (%v), status %s", m.Text, m.Templating, err, m.Status)
			}
		}
		if rows[0].Text != "Olá Ana, seu pedido A-9 saiu." || len(rows[0].Attachments) != 1 {
			t.Errorf("Ana's message reads %q %v, want the translation's preview", rows[0].Text, rows[0].Attachments)
		}

		// the msg's locale comes first: everyone gets pt_BR; by name on the channel
		before := len(w.graph.Sends())
		status, body = w.postBroadcast(fmt.Sprintf(`{"groups":["Clientes"],"channel":"%s","msg":{"template":{"name":"lembrete","locale":"pt-BR","variables":["@contact.first_name"]}}}`, w.channel.UUID))
		if status != http.StatusCreated {
			t.Fatalf("POST by name: %d %s", status, body)
		}
		w.drain()
		sends := w.graph.Sends()[before:]
		slices.Sort(sends)
		want = nil
		for _, c := range [][2]string{{"5511988880001", "Ana"}, {"5511988880002", "Carl"}, {"5511988880003", "Bia"}} {
			want = append(want, templatePayload(c[0], "lembrete", "pt_BR", `,"components":[{"type":"body","parameters":[{"type":"text","text":"`+c[1]+`"}]}]`))
		}
		if !slices.Equal(sends, want) {
			t.Fatalf("Graph got\n%s\nwant\n%s", strings.Join(sends, "\n"), strings.Join(want, "\n"))
		}

		// a template no longer approved when the broadcast is worked fails it, and nothing is sent
		status, body = w.postBroadcast(fmt.Sprintf(`{"groups":["Clientes"],"msg":{"text":"plain","template":{"uuid":"%s","variables":["x"]}}}`, w.templates["lembrete"]))
		if status != http.StatusCreated {
			t.Fatalf("POST: %d %s", status, body)
		}
		w.sync(w.channel, nil) // Meta lists none of them any more
		before = len(w.graph.Sends())
		w.drain()
		if n := len(w.graph.Sends()) - before; n != 0 {
			t.Fatalf("%d sends of a broadcast whose template went", n)
		}
		if n := w.count("SELECT COUNT(*) FROM broadcasts WHERE workspace_id = ? AND status = ?", w.weni.ID, models.BroadcastFailed); n != 1 {
			t.Fatalf("%d failed broadcasts, want 1", n)
		}
	})
}

// TestWACTemplateBroadcastRefused: a template that isn't the workspace's (unknown, another workspace's, by UUID
// or by name), one by name without a channel, one not approved, the wrong number of variables, a media header
// without an attachment, bad variables or locale: 400 in Weni's shape and nothing written.
func TestWACTemplateBroadcastRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWeniEnv(t, d, nil)
		w.contact("Ana Souza", "por", "5511988880001")
		to := `"urns":["whatsapp:5511988880001"]`
		cases := []refusal{
			{`{` + to + `,"msg":{"template":{"uuid":"0f6c1b6e-0000-4000-8000-000000000000","variables":[]}}}`,
				`{"msg":["Template with UUID 0f6c1b6e-0000-4000-8000-000000000000 not found."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["foreign"] + `","variables":["x"]}}}`,
				`{"msg":["Template with UUID ` + w.templates["foreign"] + ` not found."]}`},
			{`{` + to + `,"channel":"` + w.channel.UUID + `","msg":{"template":{"name":"foreign","variables":["x"]}}}`,
				`{"msg":["Template with name foreign not found."]}`},
			{`{` + to + `,"channel":"` + w.channel.UUID + `","msg":{"template":{"name":"nada"}}}`,
				`{"msg":["Template with name nada not found."]}`},
			{`{` + to + `,"msg":{"template":{"name":"lembrete","variables":["x"]}}}`,
				`{"msg":["A template by name requires a channel."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["rascunho"] + `"}}}`,
				`{"msg":["Template rascunho has no approved translation."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["lembrete"] + `","variables":["a","b"]}}}`,
				`{"msg":["Template lembrete needs 1 variable, got 2."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["lembrete"] + `"}}}`,
				`{"msg":["Template lembrete needs 1 variable, got 0."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["pedido"] + `","variables":["a","b"]}}}`,
				`{"msg":["Template pedido needs an image, video or document attachment for its header."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["lembrete"] + `","variables":[1]}}}`,
				`{"msg":["Template variables must be a list of strings."]}`},
			{`{` + to + `,"msg":{"template":{"uuid":"` + w.templates["lembrete"] + `","variables":["a"],"locale":"not a locale"}}}`,
				`{"msg":["Template locale not a locale is not a valid BCP47 locale."]}`},
			{`{` + to + `,"msg":{"template":"lembrete"}}`,
				`{"msg":["Template must be an object."]}`},
		}
		w.checkRefused(t, cases)
	})
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// TestWACTemplateButtonsBroadcast: a template's button parameters from the msg's buttons (Weni's shape, button i
// the template's i-th) reach Graph as its button components, evaluated for each contact: a quick reply's
// payload (given as Weni does, or as Graph does) and a URL's suffix; a phone button takes none. The message
// keeps them in its templating. Left out, a quick reply's payload isn't sent.
func TestWACTemplateButtonsBroadcast(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWeniEnv(t, d, nil)
		g, err := w.store.CreateGroup(w.ctx, w.weni.ID, "Clientes")
		w.must(err)
		w.contact("Ana Souza", "por", "5511988880001", g.ID)
		w.contact("Carl Jones", "eng", "5511988880002", g.ID)

		status, body := w.postBroadcast(fmt.Sprintf(`{"groups":["%s"],"msg":{"template":{"uuid":"%s","variables":["@contact.first_name"]},
			"buttons":[{"sub_type":"quick_reply","parameters":[{"type":"payload","text":"stop-@contact.first_name"}]},
				{"sub_type":"url","parameters":[{"type":"text","text":"@(upper(contact.first_name))?o=7"}]},
				{"sub_type":"phone_number"}]}}`, g.UUID, w.templates["rastreio"]))
		if status != http.StatusCreated {
			t.Fatalf("POST: %d %s", status, body)
		}
		// the buttons are kept in Weni's shape, beside the template
		if want := `"buttons":[{"sub_type":"quick_reply","parameters":[{"type":"payload","text":"stop-@contact.first_name"}]},` +
			`{"sub_type":"url","parameters":[{"type":"text","text":"@(upper(contact.first_name))?o=7"}]},{"sub_type":"phone_number","parameters":[]}]`; !strings.Contains(body, want) {
			t.Fatalf("POST answered %s, want %s in it", body, want)
		}
		w.drain()
		comps := func(name string) string {
			return `,"components":[{"type":"body","parameters":[{"type":"text","text":"` + name + `"}]},` +
				`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"stop-` + name + `"}]},` +
				`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"` + strings.ToUpper(name) + `?o=7"}]}]`
		}
		want := []string{
			templatePayload("5511988880001", "rastreio", "pt_BR", comps("Ana")),
			templatePayload("5511988880002", "rastreio", "pt_BR", comps("Carl")),
		}
		if got := sortedSends(w.graph); !slices.Equal(got, want) {
			t.Fatalf("Graph got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var m models.Msg
		w.must(w.db.Raw.Where("workspace_id = ? AND direction = ?", w.weni.ID, models.MsgOut).Order("id").First(&m).Error)
		tm, err := models.ParseTemplating(m.Templating)
		if err != nil || tm == nil || len(tm.Components) != 3 || tm.Components[1].Name != "button.0" || tm.Components[1].Type != "button/quick_reply" ||
			tm.Variables[tm.Components[1].Variables["1"]].Value != "stop-Ana" || tm.Variables[tm.Components[2].Variables["1"]].Value != "ANA?o=7" {
			t.Fatalf("Ana's templating %v (%v)", *m.Templating, err)
		}
		if m.Text != "Seu pedido Ana está a caminho." {
			t.Errorf("Ana's message reads %q, want the translation's preview", m.Text)
		}

		// the payload as Graph names it; no quick reply payload: no quick reply component; no buttons for the
		// phone button
		before := len(w.graph.Sends())
		status, body = w.postBroadcast(fmt.Sprintf(`{"urns":["whatsapp:5511988880001"],"msg":{"template":{"uuid":"%s","variables":["x"]},
			"buttons":[{"sub_type":"quick_reply","parameters":[{"type":"payload","payload":"p1"}]},{"sub_type":"url","parameters":[{"text":"abc"}]}]}}`, w.templates["rastreio"]))
		if status != http.StatusCreated {
			t.Fatalf("POST: %d %s", status, body)
		}
		status, body = w.postBroadcast(fmt.Sprintf(`{"urns":["whatsapp:5511988880002"],"msg":{"template":{"uuid":"%s","variables":["y"]},
			"buttons":[{"sub_type":"quick_reply"},{"sub_type":"url","parameters":[{"type":"text","text":"def"}]}]}}`, w.templates["rastreio"]))
		if status != http.StatusCreated {
			t.Fatalf("POST: %d %s", status, body)
		}
		w.drain()
		sends := w.graph.Sends()[before:]
		slices.Sort(sends)
		bodyX := `{"type":"body","parameters":[{"type":"text","text":"%s"}]}`
		want = []string{
			templatePayload("5511988880001", "rastreio", "pt_BR", `,"components":[`+fmt.Sprintf(bodyX, "x")+
				`,{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"p1"}]},{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"abc"}]}]`),
			templatePayload("5511988880002", "rastreio", "pt_BR", `,"components":[`+fmt.Sprintf(bodyX, "y")+
				`,{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"def"}]}]`),
		}
		if !slices.Equal(sends, want) {
			t.Fatalf("Graph got\n%s\nwant\n%s", strings.Join(sends, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestWACTemplateButtonsRefused: buttons that don't fit the template (more than it has, another sub_type, a URL
// button's parameter missing, also with no buttons at all, parameters of the wrong type, too many, blank, not a
// list) or buttons without a template: 400 in Weni's shape and nothing written.
func TestWACTemplateButtonsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWeniEnv(t, d, nil)
		w.contact("Ana Souza", "por", "5511988880001")
		tmpl := func(buttons string) string {
			return `{"urns":["whatsapp:5511988880001"],"msg":{"template":{"uuid":"` + w.templates["rastreio"] + `","variables":["x"]}` + buttons + `}}`
		}
		qr := `{"sub_type":"quick_reply"}`
		url := `{"sub_type":"url","parameters":[{"type":"text","text":"abc"}]}`
		cases := []refusal{
			{tmpl(`,"buttons":[` + qr + `,` + url + `,{"sub_type":"phone_number"},{"sub_type":"url"}]`),
				`{"msg":["Template rastreio has 3 buttons, got 4."]}`},
			{tmpl(`,"buttons":[` + url + `]`),
				`{"msg":["Template rastreio button 0 is a quick_reply button, got sub_type url."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"payment_request","parameters":[{"type":"pix_dynamic_code","text":"000"}]}]`),
				`{"msg":["Template rastreio button 1 is a url button, got sub_type payment_request."]}`},
			{tmpl(`,"buttons":[{"parameters":[]}]`),
				`{"msg":["Template rastreio button 0 is a quick_reply button, got sub_type None."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"url"}]`),
				`{"msg":["Template rastreio button 1 (url) needs 1 parameter, got 0."]}`},
			{tmpl(`,"buttons":[` + qr + `]`),
				`{"msg":["Template rastreio button 1 (url) needs 1 parameter, got 0."]}`},
			{tmpl(``),
				`{"msg":["Template rastreio button 1 (url) needs 1 parameter, got 0."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"url","parameters":[{"type":"payload","text":"abc"}]}]`),
				`{"msg":["Template rastreio button 1 (url) parameters are of type text, got payload."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"url","parameters":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]`),
				`{"msg":["Template rastreio button 1 (url) takes 1 parameter, got 2."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"url","parameters":[{"type":"text","text":""}]}]`),
				`{"msg":["Template rastreio button 1 (url) parameter needs a text."]}`},
			{tmpl(`,"buttons":[{"sub_type":"quick_reply","parameters":[{"type":"payload"}]},` + url + `]`),
				`{"msg":["Template rastreio button 0 (quick_reply) parameter needs a payload."]}`},
			{tmpl(`,"buttons":[` + qr + `,` + url + `,{"sub_type":"phone_number","parameters":[{"type":"text","text":"1"}]}]`),
				`{"msg":["Template rastreio button 2 (phone_number) takes 0 parameters, got 1."]}`},
			{tmpl(`,"buttons":[` + qr + `,{"sub_type":"url","parameters":"abc"}]`),
				`{"msg":["Template rastreio button 1 parameters must be a list of objects."]}`},
			{tmpl(`,"buttons":{"sub_type":"url"}`),
				`{"msg":["buttons must be a list of objects."]}`},
			{tmpl(`,"buttons":["url"]`),
				`{"msg":["buttons must be a list of objects."]}`},
			{`{"urns":["whatsapp:5511988880001"],"msg":{"text":"hi","buttons":[` + url + `]}}`,
				`{"msg":["buttons are a template's: the msg has no template."]}`},
		}
		w.checkRefused(t, cases)
	})
}

// refusal is a whatsapp_broadcasts body and the 400 answer it must get.
type refusal struct{ body, want string }

// checkRefused posts each body and checks its 400 answer, then that no broadcast was written.
func (w *weniEnv) checkRefused(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		status, body := w.postBroadcast(c.body)
		if status != http.StatusBadRequest || !jsonEqual(body, c.want) {
			t.Errorf("%s: %d %s, want 400 %s", c.body, status, body, c.want)
		}
	}
	if n := w.count("SELECT COUNT(*) FROM broadcasts"); n != 0 {
		t.Fatalf("%d broadcasts written", n)
	}
}
