package models

import "time"

// Channel log types.
const (
	LogMsgSend      = "msg_send"
	LogMsgReceive   = "msg_receive"
	LogMsgStatus    = "msg_status"
	LogEventReceive = "event_receive"
	LogTemplateSync = "template_sync" // a fetch of a WhatsApp channel's templates and flows from Meta
)

// ChannelLog is what happened between a channel and its gateway: a request it made to us, or a send we made to
// it. HTTPLogs and Errors are JSON lists, secrets redacted before they are written.
type ChannelLog struct {
	ID        int64 `gorm:"primaryKey"`
	UUID      string
	ChannelID int64
	MsgID     *int64
	LogType   string
	HTTPLogs  string `gorm:"column:http_logs"`
	Errors    string
	ElapsedMS int
	CreatedOn time.Time
}

func (ChannelLog) TableName() string { return "channel_logs" }

// AddChannelLogs writes logs of requests gateways made.
func (tx *Tx) AddChannelLogs(logs []*ChannelLog) error { return insertAll(tx, logs) }
