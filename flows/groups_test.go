package flows

import (
	"context"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

// TestEvaluateGroups: smart groups are evaluated by claiming them, whoever made them evaluating (a process that
// stopped mid-way leaves them so, and the next one's workers find them); a group whose query no longer parses is
// marked invalid, and a group being evaluated by one worker is passed by by another.
func TestEvaluateGroups(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, testdb.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
		store := db.Store
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

		// a claim held elsewhere makes a worker pass that group by
		evaluate := EvaluateGroups(store)
		held, passed, released := make(chan struct{}), make(chan bool), make(chan error)
		go func() {
			_, err := store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
				close(held)
				<-passed
				return nil
			})
			released <- err
		}()
		<-held
		worked, err := evaluate(ctx)
		must(t, err)
		passed <- true
		must(t, <-released)
		if !worked {
			t.Fatal("the second group was not evaluated beside the held first")
		}
		must(t, work.Drain(ctx, evaluate))

		for _, tc := range []struct {
			g      *models.Group
			status models.GroupStatus
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

// evaluateGroups evaluates every smart group waiting to be, as serve's group worker does.
func evaluateGroups(t testing.TB, store *models.Store) {
	t.Helper()
	must(t, work.Drain(context.Background(), EvaluateGroups(store)))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
