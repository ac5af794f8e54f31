package flows

import (
	"context"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestResumeGroupEvaluations: a smart group left evaluating (its process stopped mid-way) is evaluated at the
// next start, and a group whose query no longer parses is marked invalid.
func TestResumeGroupEvaluations(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			if d == models.Postgres {
				testdb.RequirePostgres(t)
			}
			ctx := context.Background()
			store, _ := testdb.Open(t, d, testdb.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
			store.Rules = NewRules()
			ws, _, _, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "W", Timezone: "UTC"}, "a@b.co")
			must(t, err)
			age, err := store.CreateField(ctx, ws.ID, "Age", models.FieldNumber)
			must(t, err)
			for _, a := range []string{"10", "20", "30"} {
				v := ParseFieldValue(Environment(ws), a)
				_, err := store.CreateContact(ctx, ws, models.ContactSpec{Fields: map[int64]*models.FieldValue{age.ID: &v}})
				must(t, err)
			}
			// as a process that died before evaluating them would leave them
			over, err := store.CreateSmartGroup(ctx, ws.ID, "Over 15", "fields.age > 15")
			must(t, err)
			broken, err := store.CreateSmartGroup(ctx, ws.ID, "Broken", "fields.shoe_size > 15")
			must(t, err)

			must(t, ResumeGroupEvaluations(ctx, store))

			for _, tc := range []struct {
				g      *models.Group
				status string
				count  int64
			}{{over, models.GroupReady, 2}, {broken, models.GroupInvalid, 0}} {
				g, err := store.GetGroup(ctx, ws.ID, tc.g.UUID)
				must(t, err)
				counts, err := store.GroupCounts(ctx, []int64{g.ID})
				must(t, err)
				if g.Status != tc.status || counts[g.ID] != tc.count {
					t.Errorf("%s: status %s with %d members, want %s with %d", g.Name, g.Status, counts[g.ID], tc.status, tc.count)
				}
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
