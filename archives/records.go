package archives

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/flowsd/flowsd/models"
)

// The records of an archive file, one JSON object a line, in rp-archiver's shapes and key order: what
// PostgreSQL's row_to_json writes of its queries (archives/messages.go and runs.go), so that tools reading
// RapidPro's archives read flowsd's.

// pgTime is a time as PostgreSQL writes a timestamptz into JSON: UTC as +00:00, microseconds without their
// trailing zeros (none at all on a whole second).
type pgTime time.Time

const pgTimeLayout = "2006-01-02T15:04:05.999999-07:00"

func (t pgTime) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(pgTimeLayout)+2)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, pgTimeLayout)
	return append(b, '"'), nil
}

func pgTimeOf(t *time.Time) *pgTime {
	if t == nil {
		return nil
	}
	p := pgTime(*t)
	return &p
}

// ref is a contact, channel or flow: row_to_json of (uuid, name).
type ref struct {
	UUID string  `json:"uuid"`
	Name *string `json:"name"`
}

func refOf(r *models.ArchiveRef) *ref {
	if r == nil {
		return nil
	}
	return &ref{UUID: r.UUID, Name: r.Name}
}

// labelRef is a label as the message query aggregates them (name before uuid).
type labelRef struct {
	Name *string `json:"name"`
	UUID string  `json:"uuid"`
}

type attachment struct {
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

type msgRecord struct {
	UUID        string       `json:"uuid"`
	ID          int64        `json:"id"`
	Broadcast   *int64       `json:"broadcast"`
	Contact     ref          `json:"contact"`
	URN         *string      `json:"urn"`
	Channel     *ref         `json:"channel"`
	Flow        *ref         `json:"flow"`
	TicketUUID  *string      `json:"ticket_uuid"`
	Direction   string       `json:"direction"`
	Type        string       `json:"type"`
	Status      string       `json:"status"`
	Visibility  string       `json:"visibility"`
	Text        string       `json:"text"`
	Attachments []attachment `json:"attachments"`
	Labels      []labelRef   `json:"labels"`
	CreatedOn   pgTime       `json:"created_on"`
	SentOn      *pgTime      `json:"sent_on"`
	ModifiedOn  pgTime       `json:"modified_on"`
}

// msgStatuses are the words archives use: an unhandled incoming message (pending) is queued, as in rp-archiver.
var msgStatuses = map[models.MsgStatus]string{models.MsgPending: "queued"}

// msgRecord writes a message; anon workspaces' records have no URN.
func newMsgRecord(m *models.ArchiveMsg, anon bool) *msgRecord {
	r := &msgRecord{UUID: m.UUID, ID: m.ID, Broadcast: m.BroadcastID, Contact: ref{UUID: m.Contact.UUID, Name: m.Contact.Name},
		Channel: refOf(m.Channel), Flow: refOf(m.Flow), Direction: string(m.Direction), Type: "text", Status: string(m.Status),
		Visibility: string(m.Visibility), Text: m.Text, Attachments: make([]attachment, len(m.Attachments)), Labels: make([]labelRef, len(m.Labels)),
		CreatedOn: pgTime(m.CreatedOn), SentOn: pgTimeOf(m.SentOn), ModifiedOn: pgTime(m.ModifiedOn)}
	if !anon {
		r.URN = m.URN
	}
	if s, ok := msgStatuses[m.Status]; ok {
		r.Status = s
	}
	for i, a := range m.Attachments {
		// stored as the engine writes them, "content-type:url"; split at the first colon as rp-archiver does
		if k := bytes.IndexByte([]byte(a), ':'); k >= 0 {
			r.Attachments[i] = attachment{ContentType: a[:k], URL: a[k+1:]}
		} else {
			r.Attachments[i] = attachment{URL: a}
		}
	}
	for i, l := range m.Labels {
		r.Labels[i] = labelRef{Name: l.Name, UUID: l.UUID}
	}
	return r
}

type runRecord struct {
	ID         int64       `json:"id"`
	UUID       string      `json:"uuid"`
	Flow       ref         `json:"flow"`
	Contact    ref         `json:"contact"`
	Responded  bool        `json:"responded"`
	Path       []step      `json:"path"`
	Values     jsonbValues `json:"values"`
	CreatedOn  pgTime      `json:"created_on"`
	ModifiedOn pgTime      `json:"modified_on"`
	ExitedOn   *pgTime     `json:"exited_on"`
	ExitType   *string     `json:"exit_type"`
}

type step struct {
	Node string `json:"node"`
	Time pgTime `json:"time"`
}

type value struct {
	Name     *string `json:"name"`
	Value    any     `json:"value"`
	Input    *string `json:"input"`
	Time     *pgTime `json:"time"`
	Category *string `json:"category"`
	Node     string  `json:"node"`
}

// jsonbValues are a run's values by result key, written in the order PostgreSQL's jsonb keeps object keys
// (shorter keys first, then by bytes), as jsonb_object_agg leaves them in rp-archiver's records.
type jsonbValues map[string]value

func (v jsonbValues) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeCompact(&buf, k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encodeCompact(&buf, v[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encodeCompact writes v as JSON without escaping HTML characters, as PostgreSQL doesn't.
func encodeCompact(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // the encoder's newline
	return nil
}

// maxPathSteps is how much of a run's path its record keeps, as rp-archiver's query does.
const maxPathSteps = 500

// exitTypes are the words of runs that ended; runs still going have none.
var exitTypes = map[models.RunStatus]string{models.RunCompleted: "completed", models.RunInterrupted: "interrupted",
	models.RunExpired: "expired", models.RunFailed: "failed"}

func newRunRecord(r *models.ArchiveRun) (*runRecord, error) {
	var steps []models.RunStep
	if err := models.DecodeRunJSON(r.Path, &steps); err != nil {
		return nil, fmt.Errorf("path of run %d: %w", r.ID, err)
	}
	var results map[string]models.RunResult
	if err := models.DecodeRunJSON(r.Results, &results); err != nil {
		return nil, fmt.Errorf("results of run %d: %w", r.ID, err)
	}
	rec := &runRecord{ID: r.ID, UUID: r.UUID, Flow: ref{UUID: r.Flow.UUID, Name: r.Flow.Name}, Contact: ref{UUID: r.Contact.UUID, Name: r.Contact.Name},
		Responded: r.Responded, Path: make([]step, 0, min(len(steps), maxPathSteps)), Values: make(jsonbValues, len(results)),
		CreatedOn: pgTime(r.CreatedOn), ModifiedOn: pgTime(r.ModifiedOn), ExitedOn: pgTimeOf(r.ExitedOn)}
	for _, s := range steps[:min(len(steps), maxPathSteps)] {
		t, err := time.Parse(time.RFC3339Nano, s.Time)
		if err != nil {
			return nil, fmt.Errorf("path of run %d: %w", r.ID, err)
		}
		rec.Path = append(rec.Path, step{Node: s.Node, Time: pgTime(t)})
	}
	for key, res := range results {
		v := value{Name: res.Name, Value: res.Value, Input: res.Input, Category: res.Category, Node: res.NodeUUID}
		if res.CreatedOn != "" {
			t, err := time.Parse(time.RFC3339Nano, res.CreatedOn)
			if err != nil {
				return nil, fmt.Errorf("result %q of run %d: %w", key, r.ID, err)
			}
			v.Time = pgTimeOf(&t)
		}
		rec.Values[key] = v
	}
	if t, ok := exitTypes[r.Status]; ok {
		rec.ExitType = &t
	}
	return rec, nil
}
