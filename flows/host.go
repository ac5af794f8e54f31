package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
)

// Host runs workspaces' flows with the engine and keeps what they do in the database: it is what mailroom is
// to RapidPro. The engine turns a session and an input into a new session and events; the host locks the
// contact, loads the session, hands the engine its input, and writes the session, its runs and the effects
// of its events in one transaction. It is the one place that takes contacts' locks.
type Host struct {
	Store  *models.Store
	Assets *AssetCache
	Engine flows.Engine
	Log    *slog.Logger

	// HTTP and UserAgent make the calls flows make, and the retries of resthook deliveries.
	HTTP        *http.Client
	UserAgent   string
	retryClient *http.Client
	denied      *deniedCalls // the engine's resthook posts the deny list refused

	// ResthookRetry is when a failed resthook delivery is tried again (the zero value: from 5s, doubling, for
	// up to 24 hours).
	ResthookRetry work.Schedule

	// LockWait is how long a contact's lock is waited for before the work is left for later.
	LockWait time.Duration
}

// NewHost makes a host over a store.
func NewHost(store *models.Store, log *slog.Logger, opts EngineOptions) *Host {
	opts.defaults()
	opts.denied = &deniedCalls{}
	return &Host{Store: store, Assets: NewAssetCache(store), Engine: NewEngine(opts), Log: log, LockWait: time.Minute,
		HTTP: opts.HTTPClient, UserAgent: opts.UserAgent, retryClient: newRetryClient(opts.HTTPClient), denied: opts.denied}
}

// scene is one contact's session and what its latest sprint did.
type scene struct {
	contact    *models.Contact
	session    flows.Session
	sprint     flows.Sprint
	stored     *models.FlowSession // the row it was read from; nil for a new session
	readSprint *string             // the session's last sprint when it was read
	startID    *int64              // the flow start that made a new session
	input      *models.Msg         // the incoming message that moved it on, if any
	began      time.Time           // before the sprint: runs not modified since are stored already
	row        *models.FlowSession // what is written
}

// lockWithAssets takes contacts' locks and gives the workspace's assets, which whatever runs the engine for
// contacts starts with. The caller releases the locks.
func (h *Host) lockWithAssets(ctx context.Context, ws *models.Workspace, contactIDs []int64) (func(), *Assets, error) {
	release, err := h.Store.Locks.Lock(ctx, contactIDs, h.LockWait)
	if err != nil {
		return nil, nil, err
	}
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		release()
		return nil, nil, err
	}
	return release, a, nil
}

// loadContacts reads active contacts and what the engine needs of them.
func (h *Host) loadContacts(ctx context.Context, a *Assets, r *models.Reader, ids []int64) ([]*models.Contact, map[int64]*core.Contact, error) {
	rows, err := r.ActiveContacts(a.Workspace.ID, ids)
	if err != nil {
		return nil, nil, err
	}
	found := make([]int64, len(rows))
	for i, c := range rows {
		found[i] = c.ID
	}
	details, err := h.Store.LoadEngineDetails(ctx, found)
	if err != nil {
		return nil, nil, err
	}
	fields := a.FieldsByID()
	engineContacts := make(map[int64]*core.Contact, len(rows))
	for _, c := range rows {
		ec, err := EngineContact(a, c, details[c.ID], fields)
		if err != nil {
			return nil, nil, err
		}
		engineContacts[c.ID] = ec
	}
	return rows, engineContacts, nil
}

// commit writes scenes: sessions, runs, the contacts' current sessions, then what their events did.
func (h *Host) commit(ctx context.Context, tx *models.Tx, a *Assets, scenes []*scene) error {
	if len(scenes) == 0 {
		return nil
	}
	now := h.Store.Now().UTC()
	var inserts []*models.FlowSession
	for _, sc := range scenes {
		row, err := sessionRow(a, sc, now)
		if err != nil {
			return err
		}
		sc.row = row
		if sc.stored == nil {
			inserts = append(inserts, row)
			continue
		}
		ok, err := tx.UpdateSession(row, sc.readSprint)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("session %s was moved on by someone else", row.UUID)
		}
	}
	if err := tx.InsertSessions(inserts); err != nil {
		return err
	}
	var newRuns, runs []*models.FlowRun
	var current []*models.FlowSession
	for _, sc := range scenes {
		// a session that began and ended in this sprint was never anyone's current one
		if sc.stored != nil || sc.row.Status == models.SessionWaiting {
			current = append(current, sc.row)
		}
		runRows, err := runRows(a, sc)
		if err != nil {
			return err
		}
		if sc.stored == nil {
			newRuns = append(newRuns, runRows...)
		} else {
			runs = append(runs, runRows...)
		}
	}
	if err := tx.InsertRuns(newRuns); err != nil {
		return err
	}
	if err := tx.SaveRuns(runs); err != nil {
		return err
	}
	if err := tx.SetCurrentSessions(current); err != nil {
		return err
	}
	return h.applyEvents(ctx, tx, a, scenes, now)
}

// sessionStatuses map the engine's session statuses to ours (the same words; active never outlives a sprint).
var sessionStatuses = map[flows.SessionStatus]models.SessionStatus{
	flows.SessionStatusActive:      models.SessionWaiting,
	flows.SessionStatusWaiting:     models.SessionWaiting,
	flows.SessionStatusCompleted:   models.SessionCompleted,
	flows.SessionStatusInterrupted: models.SessionInterrupted,
	flows.SessionStatusExpired:     models.SessionExpired,
	flows.SessionStatusFailed:      models.SessionFailed,
}

func sessionRow(a *Assets, sc *scene, now time.Time) (*models.FlowSession, error) {
	sprintUUID := string(sc.sprint.UUID())
	row := &models.FlowSession{
		UUID: string(sc.session.UUID()), WorkspaceID: a.Workspace.ID, ContactID: sc.contact.ID,
		Status: sessionStatuses[sc.session.Status()], LastSprintUUID: &sprintUUID, CreatedOn: sc.session.CreatedOn().UTC(),
	}
	// only a waiting session is ever read back; an ended one's runs hold all anyone asks of it, and not
	// keeping its JSON (kilobytes a contact) is most of what a start writes
	if row.Status == models.SessionWaiting {
		output, err := json.Marshal(sc.session)
		if err != nil {
			return nil, err
		}
		row.Output = string(output)
	}
	if sc.stored != nil {
		row.ID, row.CreatedOn = sc.stored.ID, sc.stored.CreatedOn
	}
	if row.Status == models.SessionWaiting {
		if run := waitingRun(sc.session); run != nil {
			if id := a.FlowID(run.FlowReference().UUID); id != 0 {
				row.CurrentFlowID = &id
			}
		}
		for _, e := range sc.sprint.Events() {
			if wait, ok := e.(*events.MsgWait); ok {
				if wait.TimeoutSeconds != nil {
					t := now.Add(time.Duration(*wait.TimeoutSeconds) * time.Second)
					row.TimeoutOn = &t
				}
				if !wait.ExpiresOn.IsZero() {
					t := wait.ExpiresOn.UTC()
					row.ExpiresOn = &t
				}
			}
		}
	} else {
		row.EndedOn = &now
	}
	return row, nil
}

// waitingRun is the run a waiting session waits in: its last unfinished one.
func waitingRun(s flows.Session) flows.Run {
	runs := s.Runs()
	for i := len(runs) - 1; i >= 0; i-- {
		if st := runs[i].Status(); st == core.RunStatusWaiting || st == core.RunStatusActive {
			return runs[i]
		}
	}
	return nil
}

type pathStep struct {
	Node string    `json:"node"`
	Time time.Time `json:"time"`
}

// runRows are the session's runs the sprint touched.
func runRows(a *Assets, sc *scene) ([]*models.FlowRun, error) {
	var rows []*models.FlowRun
	for i, run := range sc.session.Runs() {
		if sc.stored != nil && run.ModifiedOn().Before(sc.began) {
			continue
		}
		flowID := a.FlowID(run.FlowReference().UUID)
		if flowID == 0 {
			return nil, fmt.Errorf("run %s is in flow %s, which is gone", run.UUID(), run.FlowReference().UUID)
		}
		results, err := json.Marshal(run.Results())
		if err != nil {
			return nil, err
		}
		steps := run.Path()
		path := make([]pathStep, len(steps))
		for j, s := range steps {
			path[j] = pathStep{Node: string(s.NodeUUID()), Time: s.ArrivedOn().UTC()}
		}
		pathJSON, err := json.Marshal(path)
		if err != nil {
			return nil, err
		}
		row := &models.FlowRun{
			UUID: string(run.UUID()), WorkspaceID: a.Workspace.ID, FlowID: flowID, ContactID: sc.contact.ID,
			SessionID: sc.row.ID, Status: models.RunStatus(run.Status()), Responded: run.HadInput(),
			Results: string(results), Path: string(pathJSON),
			CreatedOn: run.CreatedOn().UTC(), ModifiedOn: run.ModifiedOn().UTC(),
		}
		if t := run.ExitedOn(); t != nil {
			exited := t.UTC()
			row.ExitedOn = &exited
		}
		if (run.Status() == core.RunStatusActive || run.Status() == core.RunStatusWaiting) && len(steps) > 0 {
			node := string(steps[len(steps)-1].NodeUUID())
			row.CurrentNodeUUID = &node
		}
		if i == 0 && sc.stored == nil {
			row.StartID = sc.startID // only a session's first run came from its start
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// flowOf is the flow an engine event happened in, nil outside any.
func flowOf(e events.Event) *assets.FlowReference {
	if s := e.Step(); s != nil {
		return s.Flow
	}
	return nil
}
