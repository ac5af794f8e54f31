package testdb

import (
	"context"
	"testing"

	"github.com/flowsd/flowsd/models"
)

// FixtureWorkspace is a workspace tests make, with its administrator.
type FixtureWorkspace struct {
	Spec  models.WorkspaceSpec
	Admin string
}

// The fixture's workspaces.
var (
	Nyaruka = FixtureWorkspace{models.WorkspaceSpec{Name: "Nyaruka", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng", "kin"}}, "admin@nyaruka.com"}
	Trileet = FixtureWorkspace{models.WorkspaceSpec{Name: "Trileet", Country: "US", Timezone: "America/New_York", Languages: []string{"eng"}}, "admin2@trileet.com"}
	Weni    = FixtureWorkspace{models.WorkspaceSpec{Name: "Weni", Country: "BR", Timezone: "America/Sao_Paulo", Languages: []string{"por"}, Profile: models.ProfileWeni}, "weni@weni.ai"}
	Anon    = FixtureWorkspace{models.WorkspaceSpec{Name: "Anon", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng"}, Anon: true}, "anon@nyaruka.com"}
)

// Workspace makes a fixture workspace and gives it with its administrator's token.
func Workspace(t testing.TB, store *models.Store, w FixtureWorkspace) (*models.Workspace, string) {
	t.Helper()
	spec := w.Spec
	spec.Languages = append([]string(nil), w.Spec.Languages...) // Normalize writes to it
	ws, _, token, err := store.CreateWorkspace(context.Background(), spec, w.Admin)
	if err != nil {
		t.Fatalf("creating workspace %s: %v", w.Spec.Name, err)
	}
	return ws, token
}

// Fixture is the world of the API's tests, named by the tokens' owners:
//
//	Nyaruka (RW, Africa/Kigali, eng+kin): admin, editor, agent; former (no longer a member), inactive (user
//	deactivated), revoked (token revoked)
//	Trileet: admin2, with a group, label, field, global and topic of its own
//	Weni (weni API profile): weni
//	Anon (anonymous, RW): anon
type Fixture struct {
	Workspaces map[string]*models.Workspace // by lowercased name
	Tokens     map[string]string            // owner -> key
	Emails     map[string]string            // owner -> their user's email
}

// Seed makes the fixture in a test database.
func Seed(t testing.TB, db *DB) *Fixture {
	t.Helper()
	ctx := context.Background()
	s := db.Store
	f := &Fixture{Workspaces: map[string]*models.Workspace{}, Tokens: map[string]string{}, Emails: map[string]string{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	add := func(key, owner string, w FixtureWorkspace) *models.Workspace {
		ws, token := Workspace(t, s, w)
		f.Workspaces[key], f.Tokens[owner], f.Emails[owner] = ws, token, w.Admin
		return ws
	}

	ws := add("nyaruka", "admin", Nyaruka)
	for _, m := range []struct {
		name string
		role models.Role
	}{{"editor", models.RoleEditor}, {"agent", models.RoleAgent}, {"former", models.RoleEditor}, {"inactive", models.RoleEditor}, {"revoked", models.RoleAdministrator}} {
		email := m.name + "@nyaruka.com"
		key, err := s.CreateToken(ctx, ws.ID, email, m.role)
		must(err)
		f.Tokens[m.name], f.Emails[m.name] = key, email
	}
	var former, inactive models.User
	must(db.Raw.Where("email = ?", "former@nyaruka.com").Take(&former).Error)
	must(db.Raw.Where("email = ?", "inactive@nyaruka.com").Take(&inactive).Error)
	must(s.RemoveMember(ctx, ws.ID, former.ID))
	must(s.SetUserActive(ctx, inactive.ID, false))
	must(s.RevokeToken(ctx, f.Tokens["revoked"]))

	ws2 := add("trileet", "admin2", Trileet)
	_, err := s.CreateGroup(ctx, ws2.ID, "Spammers")
	must(err)
	_, err = s.CreateLabel(ctx, ws2.ID, "Spam")
	must(err)
	_, err = s.CreateField(ctx, ws2.ID, "Not Ours", models.FieldText)
	must(err)
	_, _, err = s.CreateGlobal(ctx, ws2.ID, "Secret", "s3cret")
	must(err)
	_, err = s.CreateTopic(ctx, ws2.ID, "Trileet Topic")
	must(err)

	add("weni", "weni", Weni)
	add("anon", "anon", Anon)
	return f
}
