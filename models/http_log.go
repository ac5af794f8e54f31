package models

import "time"

// HTTPLog is a call a flow made to a webhook or resthook subscriber.
type HTTPLog struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	FlowID      *int64
	URL         string
	Status      string // success, response_error, connection_error, subscriber_gone
	StatusCode  int
	Request     string
	Response    string
	ElapsedMS   int
	CreatedOn   time.Time
}

func (HTTPLog) TableName() string { return "http_logs" }

// InsertHTTPLogs adds logs of calls.
func (tx *Tx) InsertHTTPLogs(logs []*HTTPLog) error { return insertAll(tx, logs) }
