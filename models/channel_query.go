package models

// What the API's channel_events listing needs beyond channel_event.go's builder.

// OfActiveContacts leaves out the events of deleted contacts, which RapidPro deletes with them.
func (q *ChannelEventQuery) OfActiveContacts() *ChannelEventQuery { q.l.and("c.is_active"); return q }

// Nothing empties the listing: a filter named something that doesn't exist.
func (q *ChannelEventQuery) Nothing() *ChannelEventQuery { q.l.nothing(); return q }
