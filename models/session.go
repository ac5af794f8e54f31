package models

import (
	"time"
)

// Flow start statuses (RapidPro's current vocabulary) and types.
const (
	StartPending     = "pending"
	StartQueued      = "queued"
	StartStarted     = "started"
	StartCompleted   = "completed"
	StartFailed      = "failed"
	StartInterrupted = "interrupted"

	StartTypeAPI     = "api"
	StartTypeZapier  = "zapier"
	StartTypeFlow    = "flow"
	StartTypeTrigger = "trigger"
)

// FlowStart starts contacts, groups and URNs in a flow, in the background.
type FlowStart struct {
	ID                  int64     `gorm:"primaryKey"`
	UUID                string    `gorm:"column:uuid"`
	WorkspaceID         int64     `gorm:"column:workspace_id"`
	FlowID              int64     `gorm:"column:flow_id"`
	StartType           string    `gorm:"column:start_type"`
	Status              string    `gorm:"column:status"`
	Params              string    `gorm:"column:params"` // a JSON object, @trigger.params
	RestartParticipants bool      `gorm:"column:restart_participants"`
	ExcludeActive       bool      `gorm:"column:exclude_active"`
	ContactCount        int       `gorm:"column:contact_count"`   // -1 until resolved
	CreatedByID         *int64    `gorm:"column:created_by_id"`   // nil for starts by flows and triggers
	Query               *string   `gorm:"column:query"`           // a contact query for who else to start
	ParentSummary       *string   `gorm:"column:parent_summary"`  // starts by flows: the starting run, as @parent
	SessionHistory      *string   `gorm:"column:session_history"` // starts by flows: how deep the chain of sessions is
	CreatedOn           time.Time `gorm:"column:created_on"`
	ModifiedOn          time.Time `gorm:"column:modified_on"`
}

func (FlowStart) TableName() string { return "flow_starts" }

// Session statuses and run statuses (the API's words).
const (
	SessionWaiting     = "waiting"
	SessionCompleted   = "completed"
	SessionInterrupted = "interrupted"
	SessionExpired     = "expired"
	SessionFailed      = "failed"

	RunActive      = "active"
	RunWaiting     = "waiting"
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
	RunExpired     = "expired"
	RunFailed      = "failed"
)

// FlowSession is a contact's time in flows: the engine's session, stored as its JSON between sprints.
type FlowSession struct {
	ID             int64      `gorm:"primaryKey"`
	UUID           string     `gorm:"column:uuid"`
	WorkspaceID    int64      `gorm:"column:workspace_id"`
	ContactID      int64      `gorm:"column:contact_id"`
	Status         string     `gorm:"column:status"`
	CurrentFlowID  *int64     `gorm:"column:current_flow_id"`
	Output         string     `gorm:"column:output"`
	LastSprintUUID *string    `gorm:"column:last_sprint_uuid"`
	TimeoutOn      *time.Time `gorm:"column:timeout_on"`
	ExpiresOn      *time.Time `gorm:"column:expires_on"`
	CreatedOn      time.Time  `gorm:"column:created_on"`
	EndedOn        *time.Time `gorm:"column:ended_on"`
}

func (FlowSession) TableName() string { return "flow_sessions" }

// FlowRun is one contact's run through one flow.
//
// Results is a JSON object keyed by result key: {"color": {"name": "Color", "value": "red", "category":
// "Red", "node_uuid": "…", "input": "I like red", "created_on": "…"}}. Path is a JSON list of the nodes
// visited: [{"node": "…", "time": "…"}].
type FlowRun struct {
	ID              int64      `gorm:"primaryKey"`
	UUID            string     `gorm:"column:uuid"`
	WorkspaceID     int64      `gorm:"column:workspace_id"`
	FlowID          int64      `gorm:"column:flow_id"`
	ContactID       int64      `gorm:"column:contact_id"`
	SessionID       int64      `gorm:"column:session_id"`
	StartID         *int64     `gorm:"column:start_id"` // only on the first run of a session started by a flow start
	Status          string     `gorm:"column:status"`
	Responded       bool       `gorm:"column:responded"`
	Results         string     `gorm:"column:results"`
	Path            string     `gorm:"column:path"`
	CurrentNodeUUID *string    `gorm:"column:current_node_uuid"`
	CreatedOn       time.Time  `gorm:"column:created_on"`
	ModifiedOn      time.Time  `gorm:"column:modified_on"`
	ExitedOn        *time.Time `gorm:"column:exited_on"`
}

func (FlowRun) TableName() string { return "flow_runs" }

// Msg directions, statuses and visibilities.
const (
	MsgIn  = "in"
	MsgOut = "out"

	MsgQueued  = "queued"
	MsgHandled = "handled"
	MsgFailed  = "failed"

	MsgVisible  = "visible"
	MsgArchived = "archived"
)

// Msg is a message to or from a contact.
type Msg struct {
	ID           int64      `gorm:"primaryKey"`
	UUID         string     `gorm:"column:uuid"`
	WorkspaceID  int64      `gorm:"column:workspace_id"`
	ContactID    int64      `gorm:"column:contact_id"`
	URN          *string    `gorm:"column:urn"`
	Direction    string     `gorm:"column:direction"`
	Status       string     `gorm:"column:status"`
	Visibility   string     `gorm:"column:visibility"`
	Text         string     `gorm:"column:text"`
	Attachments  StringList `gorm:"column:attachments"`
	QuickReplies string     `gorm:"column:quick_replies"` // JSON list of quick reply objects
	FlowID       *int64     `gorm:"column:flow_id"`
	FailedReason *string    `gorm:"column:failed_reason"`
	CreatedOn    time.Time  `gorm:"column:created_on"`
	ModifiedOn   time.Time  `gorm:"column:modified_on"`
	SentOn       *time.Time `gorm:"column:sent_on"`
}

func (Msg) TableName() string { return "msgs" }

// HTTPLog is a call a flow made to a webhook or resthook subscriber.
type HTTPLog struct {
	ID          int64     `gorm:"primaryKey"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	FlowID      *int64    `gorm:"column:flow_id"`
	URL         string    `gorm:"column:url"`
	Status      string    `gorm:"column:status"` // success, response_error, connection_error, subscriber_gone
	StatusCode  int       `gorm:"column:status_code"`
	Request     string    `gorm:"column:request"`
	Response    string    `gorm:"column:response"`
	ElapsedMS   int       `gorm:"column:elapsed_ms"`
	CreatedOn   time.Time `gorm:"column:created_on"`
}

func (HTTPLog) TableName() string { return "http_logs" }

// ResthookEvent is a payload a flow gave a resthook.
type ResthookEvent struct {
	ID          int64     `gorm:"primaryKey"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	ResthookID  int64     `gorm:"column:resthook_id"`
	Data        string    `gorm:"column:data"`
	CreatedOn   time.Time `gorm:"column:created_on"`
}

func (ResthookEvent) TableName() string { return "resthook_events" }
