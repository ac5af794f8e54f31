package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

func init() { truthSeeds["messages_write"] = func(e *env) { seedSendWorld(e) } }

// seedSendWorld is what testdata/messages_write.json sends to: channels that send on tel in Nyaruka and Anon,
// contacts who can be sent to and ones who can't (blocked, stopped, no URN a channel sends on, none at all,
// deleted), media of this workspace and of another. Seed UUIDs: b… channels, c… contacts, d… media.
func seedSendWorld(e *env) {
	for _, ch := range []struct{ ws, uuid, name string }{{"nyaruka", seedUUID('b', 1), "Gateway"}, {"anon", seedUUID('b', 2), "Anon Gateway"}} {
		e.insert(&models.Channel{UUID: ch.uuid, WorkspaceID: e.ws[ch.ws].ID, ChannelType: "EX", Name: ch.name, Address: "+250788000000",
			Country: ptrTo("RW"), Schemes: models.StringList{"tel"}, Role: models.RoleSend + models.RoleReceive, Config: "{}", IsActive: true,
			CreatedOn: seedAt(8, 0), ModifiedOn: seedAt(8, 0)})
	}
	e.seedContact("nyaruka", seedUUID('c', 1), "Joe Blow", "tel:+250788000001")
	e.seedContact("nyaruka", seedUUID('c', 2), "Frank", "facebook:123456")
	e.seedContact("nyaruka", seedUUID('c', 3), "Billy")
	blocked := e.seedContact("nyaruka", seedUUID('c', 4), "Blocked Bob", "tel:+250788000004")
	stopped := e.seedContact("nyaruka", seedUUID('c', 5), "Stopped Sue", "tel:+250788000005")
	gone := e.seedContact("nyaruka", seedUUID('c', 6), "Gone", "tel:+250788000006")
	e.seedContact("trileet", seedUUID('c', 7), "Trileet Contact", "tel:+250788000007")
	e.seedContact("anon", seedUUID('c', 8), "Anon Contact", "tel:+250788000008")
	e.must(e.db.Raw.Model(&models.Contact{}).Where("id = ?", blocked.ID).Update("status", models.ContactBlocked).Error)
	e.must(e.db.Raw.Model(&models.Contact{}).Where("id = ?", stopped.ID).Update("status", models.ContactStopped).Error)
	e.deactivate(&models.Contact{}, gone.ID)
	for _, m := range []struct{ ws, uuid, contentType, filename string }{
		{"nyaruka", seedUUID('d', 1), "image/jpeg", "photo.jpg"},
		{"nyaruka", seedUUID('d', 2), "audio/mp4", "voice.m4a"},
		{"trileet", seedUUID('d', 3), "image/png", "theirs.png"},
	} {
		ws := e.ws[m.ws]
		e.insert(&models.Media{UUID: m.uuid, WorkspaceID: ws.ID, ContentType: m.contentType, Filename: m.filename, Size: 100,
			Path: ws.UUID + "/" + m.uuid + "/" + m.filename, CreatedOn: seedAt(8, 0)})
	}
	// channels are part of what flows run with: the engine sees them once the version moves
	e.must(e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1").Error)
}

func ptrTo[T any](v T) *T { return &v }

// TestSendMsgIsWhatGetShows: the answer to a send is the message as GET messages.json then lists it, and the
// row holds what was sent: the text, the media as content-type:url, the quick replies.
func TestSendMsgIsWhatGetShows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		seedSendWorld(e)
		body := `{"contact": "tel:+250788000001", "text": "Your photo", "attachments": ["` + seedUUID('d', 1) + `"],
			"quick_replies": [{"text": "Nice"}, {"type": "location", "text": "Where?"}]}`
		sent := e.do(request{method: "POST", path: "/api/v2/messages.json", auth: "admin", body: []byte(body), contentType: "application/json"})
		if sent.status != http.StatusCreated {
			t.Fatalf("send: %d %s", sent.status, sent.body)
		}
		var msg struct {
			UUID string `json:"uuid"`
		}
		e.must(json.Unmarshal(sent.body, &msg))
		listed := e.getJSON(t, "admin", "/api/v2/messages.json?uuid="+msg.UUID)["results"].([]any)
		if len(listed) != 1 {
			t.Fatalf("GET lists %d messages with the UUID", len(listed))
		}
		got, _ := json.Marshal(listed[0])
		if !jsonEqual(got, sent.body) {
			t.Errorf("GET shows\n%s\nthe send answered\n%s", got, sent.body)
		}

		var row models.Msg
		e.must(e.db.Raw.Where("uuid = ?", msg.UUID).Take(&row).Error)
		wantAttachment := "image/jpeg:http://" + strings.TrimPrefix(e.server.URL, "http://") + "/media/" + e.ws["nyaruka"].UUID + "/" + seedUUID('d', 1) + "/photo.jpg"
		if row.Text != "Your photo" || len(row.Attachments) != 1 || row.Attachments[0] != wantAttachment || row.Status != models.MsgQueued ||
			row.ChannelID == nil || row.CreatedByID == nil || *row.CreatedByID != e.userID("admin") {
			t.Errorf("stored %+v", row)
		}
		var qrs []map[string]string
		e.must(json.Unmarshal([]byte(row.QuickReplies), &qrs))
		if len(qrs) != 2 || qrs[0]["type"] != "text" || qrs[1]["type"] != "location" || qrs[1]["text"] != "Where?" {
			t.Errorf("stored quick replies %s", row.QuickReplies)
		}
	})
}

// TestSendMsgRefusalWritesNothing: a send refused for any of its fields writes no message.
func TestSendMsgRefusalWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		seedSendWorld(e)
		for _, body := range []string{
			`{"contact": "` + seedUUID('c', 1) + `", "text": "hi", "attachments": ["` + seedUUID('d', 3) + `"]}`,
			`{"contact": "` + seedUUID('c', 1) + `", "text": "hi", "quick_replies": [{"type": "url", "text": "Go"}]}`,
			`{"contact": "` + seedUUID('c', 7) + `", "text": "hi"}`,
			`{"contact": "` + seedUUID('c', 1) + `", "text": "` + strings.Repeat("x", 4097) + `"}`,
		} {
			resp := e.do(request{method: "POST", path: "/api/v2/messages.json", auth: "admin", body: []byte(body), contentType: "application/json"})
			if resp.status != http.StatusBadRequest || !bytes.HasPrefix(resp.body, []byte("{")) {
				t.Errorf("%.80s: %d %s", body, resp.status, resp.body)
			}
		}
		if n := e.countRows("msgs", "1 = 1"); n != 0 {
			t.Errorf("%d messages written by refused sends", n)
		}
	})
}
