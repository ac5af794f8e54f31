package models

import (
	"context"
	"strings"
	"time"
)

// Channel roles, as RapidPro writes them: S sends, R receives.
const (
	RoleSend    = "S"
	RoleReceive = "R"
)

// MaxChannelNameLen bounds a channel's name.
const MaxChannelNameLen = 64

// Channel is a gateway a workspace's messages go out through and come in from. Config is the channel type's
// configuration as a JSON object (courier's keys).
type Channel struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	ChannelType string
	Name        string
	Address     string
	Country     *string
	Schemes     StringList
	Role        string
	Config      string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Channel) TableName() string { return "channels" }

// CountryCode is the channel's country, "" when it has none.
func (c *Channel) CountryCode() string {
	if c.Country == nil {
		return ""
	}
	return *c.Country
}

// Sends reports whether the channel sends messages.
func (c *Channel) Sends() bool { return strings.Contains(c.Role, RoleSend) }

// ChannelSpec is what a new channel is made of, checked by its type beforehand.
type ChannelSpec struct {
	Type    string
	Name    string
	Address string
	Country string // "" for none
	Schemes []string
	Role    string // "" is send and receive
	Config  string // a JSON object
}

// CreateChannel makes a channel. Channels are part of the configuration flows run with, so the workspace's
// config version moves on.
func (s *Store) CreateChannel(ctx context.Context, workspaceID int64, spec ChannelSpec) (*Channel, error) {
	now := s.now()
	ch := &Channel{UUID: s.NewUUID(), WorkspaceID: workspaceID, ChannelType: spec.Type, Name: spec.Name, Address: spec.Address,
		Schemes: StringList(spec.Schemes), Role: spec.Role, Config: spec.Config, IsActive: true, CreatedOn: now, ModifiedOn: now}
	if spec.Country != "" {
		country := spec.Country
		ch.Country = &country
	}
	if ch.Role == "" {
		ch.Role = RoleSend + RoleReceive
	}
	if ch.Config == "" {
		ch.Config = "{}"
	}
	return ch, s.writeConfig(ctx, func(tx *Tx) error { return tx.db.Create(ch).Error }, workspaceID)
}

// ChannelQuery builds a listing of a workspace's active channels, ordered by when they were made.
type ChannelQuery struct{ query[Channel] }

// Channels starts a listing of the workspace's channels.
func (s *Store) Channels(workspaceID int64) *ChannelQuery {
	return &ChannelQuery{activeIn(s, workspaceID, "channels", "created_on", func(c *Channel) Position { return Position{Time: c.CreatedOn, ID: c.ID} })}
}

// WithUUID keeps the channel with a UUID.
func (q *ChannelQuery) WithUUID(uuid string) *ChannelQuery { q.l.and("uuid = ?", uuid); return q }

// WithAddress keeps the channels with an address.
func (q *ChannelQuery) WithAddress(address string) *ChannelQuery {
	q.l.and("address = ?", address)
	return q
}

// ChannelByUUID finds an active channel of any workspace by UUID: how a gateway's request names its channel.
func (s *Store) ChannelByUUID(ctx context.Context, uuid string) (*Channel, error) {
	ch := &Channel{}
	return ch, s.read(ctx).Where("uuid = ? AND is_active", uuid).Take(ch).Error
}

// ChannelNames are the UUIDs and names of a workspace's channels among ids, by id.
func (s *Store) ChannelNames(ctx context.Context, workspaceID int64, ids []int64) (map[int64]Ref, error) {
	return names(ctx, s, "channels", workspaceID, ids)
}

// Channel reads a channel by id.
func (r *Reader) Channel(id int64) (*Channel, error) {
	ch := &Channel{}
	return ch, r.db.Take(ch, id).Error
}

// ChannelByAddress finds the active channel of a type with an address, of any workspace: how a gateway that
// calls one URL for all its channels names one (WhatsApp's phone_number_id). When several workspaces claim the
// address, the oldest channel has it.
func (s *Store) ChannelByAddress(ctx context.Context, channelType, address string) (*Channel, error) {
	ch := &Channel{}
	return ch, s.read(ctx).Where("channel_type = ? AND address = ? AND is_active", channelType, address).Order("id").Take(ch).Error
}

// ActiveChannelsOfTypes are every workspace's active channels of the given types, oldest first: the template
// sync goes through them all.
func (s *Store) ActiveChannelsOfTypes(ctx context.Context, types []string) ([]Channel, error) {
	var chs []Channel
	if len(types) == 0 {
		return chs, nil
	}
	return chs, s.read(ctx).Where("is_active AND channel_type IN ?", types).Order("id").Find(&chs).Error
}
