package models

import (
	"strings"
)

// ContactQuery builds a listing of a workspace's contacts, ordered by when they last changed (or were made).
type ContactQuery struct{ query[Contact] }

// Contacts starts a listing of the workspace's active contacts (or, with deleted, of its deleted ones only).
func (s *Store) Contacts(workspaceID int64, deleted bool) *ContactQuery {
	q := &ContactQuery{newQuery(s, "contacts AS c", "c.modified_on", "c.id", func(c *Contact) Position { return Position{Time: c.ModifiedOn, ID: c.ID} })}
	q.l.sel = "c.*"
	q.l.and("c.workspace_id = ? AND c.is_active = ?", workspaceID, !deleted)
	return q
}

// WithUUID keeps the contact with a UUID.
func (q *ContactQuery) WithUUID(uuid string) *ContactQuery { q.l.and("c.uuid = ?", uuid); return q }

// WithURN keeps the contact with a URN identity.
func (q *ContactQuery) WithURN(identity string) *ContactQuery {
	q.l.and("EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id AND u.identity = ?)", identity)
	return q
}

// InGroup keeps the members of a group.
func (q *ContactQuery) InGroup(groupID int64) *ContactQuery {
	q.l.and("EXISTS (SELECT 1 FROM contact_group_members m WHERE m.contact_id = c.id AND m.group_id = ?)", groupID)
	return q
}

// Nothing empties the listing: a filter named something that doesn't exist.
func (q *ContactQuery) Nothing() *ContactQuery { q.l.nothing(); return q }

// Matching keeps the contacts a contact query (translated by package flows) matches.
func (q *ContactQuery) Matching(cond Condition) *ContactQuery {
	q.l.and(cond.SQL, cond.Args...)
	return q
}

// NameContains keeps the contacts whose names contain text, ignoring case.
func (q *ContactQuery) NameContains(text string) *ContactQuery {
	q.l.and(`c.name_lower LIKE ? ESCAPE '\'`, "%"+EscapeLike(strings.ToLower(text))+"%")
	return q
}

// NamedOrWithURN keeps the contacts with exactly a name, or with a URN identity when one is given.
func (q *ContactQuery) NamedOrWithURN(name, identity string) *ContactQuery {
	if identity == "" {
		q.l.and("c.name = ?", name)
		return q
	}
	q.l.and("c.name = ? OR EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id AND u.identity = ?)", name, identity)
	return q
}

// ModifiedIn keeps the contacts last changed within a range.
func (q *ContactQuery) ModifiedIn(r TimeRange) *ContactQuery {
	q.l.within("c.modified_on", r)
	return q
}

// ByCreation orders the listing by when contacts were made.
func (q *ContactQuery) ByCreation() *ContactQuery {
	q.l.column, q.pos = "c.created_on", func(c *Contact) Position { return Position{Time: c.CreatedOn, ID: c.ID} }
	return q
}

// Recipient is a contact a broadcast goes to, with their language and highest priority URN.
type Recipient struct {
	ID       int64
	Language *string
	URN      *string
}

// BroadcastRecipients are a workspace's active contacts among contactIDs, in the groups, or matching query
// (nil: none), in id order.
func (r *Reader) BroadcastRecipients(workspaceID int64, contactIDs, groupIDs []int64, query *Condition) ([]Recipient, error) {
	where := "c.id IN ? OR c.id IN (SELECT contact_id FROM contact_group_members WHERE group_id IN ?)"
	args := []any{append(contactIDs, 0), append(groupIDs, 0)}
	if query != nil {
		where += " OR (" + query.SQL + ")"
		args = append(args, query.Args...)
	}
	var recipients []Recipient
	err := r.db.Table("contacts AS c").
		Select(`c.id AS id, c.language AS language,
			(SELECT u.identity FROM contact_urns u WHERE u.contact_id = c.id ORDER BY u.priority DESC, u.id LIMIT 1) AS urn`).
		Where("c.workspace_id = ? AND c.is_active AND c.status = ?", workspaceID, ContactActive).
		Where("("+where+")", args...).Order("c.id").Scan(&recipients).Error
	return recipients, err
}
