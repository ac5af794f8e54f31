package models

import "time"

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

// InsertHTTPLogs adds logs of calls.
func (tx *Tx) InsertHTTPLogs(logs []*HTTPLog) error { return insertAll(tx, logs) }
