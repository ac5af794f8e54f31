package models

import (
	"context"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"
)

// ContactDetails is everything the API shows of a contact besides its own columns.
type ContactDetails struct {
	URNs   []ContactURN
	Groups []Group
	Fields map[int64]*FieldValue // by field id
	Notes  []NoteWithAuthor
	// Tickets are the open tickets, for the engine (the API's contacts don't show them)
	Tickets []EngineTicket
}

// NoteWithAuthor is a note with who wrote it.
type NoteWithAuthor struct {
	ContactNote
	Email     string
	FirstName string
	LastName  string
}

// LoadContactDetails loads the URNs (by priority), groups (by id), field values and notes of contacts. The
// four queries are independent, so they run at once: a page waits for the slowest, not for their sum.
func (s *Store) LoadContactDetails(ctx context.Context, contactIDs []int64) (map[int64]*ContactDetails, error) {
	return s.loadContactDetails(ctx, contactIDs, true)
}

// LoadEngineDetails loads what the flow engine needs of contacts: their URNs, groups, field values and open
// tickets.
func (s *Store) LoadEngineDetails(ctx context.Context, contactIDs []int64) (map[int64]*ContactDetails, error) {
	return s.loadContactDetails(ctx, contactIDs, false)
}

func (s *Store) loadContactDetails(ctx context.Context, contactIDs []int64, withNotes bool) (map[int64]*ContactDetails, error) {
	details := make(map[int64]*ContactDetails, len(contactIDs))
	for _, id := range contactIDs {
		details[id] = &ContactDetails{Fields: map[int64]*FieldValue{}}
	}
	if len(contactIDs) == 0 {
		return details, nil
	}
	var urns []ContactURN
	var groups []memberGroup
	var values []contactFieldValue
	var notes []NoteWithAuthor
	var tickets map[int64][]EngineTicket
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return s.read(gctx).Where("contact_id IN ?", contactIDs).Order("priority DESC, id").Find(&urns).Error
	})
	g.Go(func() (err error) { groups, err = s.loadMemberGroups(gctx, contactIDs); return })
	g.Go(func() (err error) { values, err = s.loadFieldValues(gctx, contactIDs); return })
	g.Go(func() (err error) {
		if !withNotes {
			tickets, err = s.Reader(gctx).OpenTickets(contactIDs)
			return err
		}
		return s.read(gctx).Table("contact_notes AS n").Select("n.*, u.email AS email, u.first_name AS first_name, u.last_name AS last_name").
			Joins("JOIN users u ON u.id = n.created_by_id").Where("n.contact_id IN ?", contactIDs).Order("n.id").Find(&notes).Error
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, u := range urns {
		details[u.ContactID].URNs = append(details[u.ContactID].URNs, u)
	}
	for _, m := range groups {
		details[m.contactID].Groups = append(details[m.contactID].Groups, m.group)
	}
	for _, v := range values {
		details[v.contactID].Fields[v.fieldID] = v.value
	}
	for _, n := range notes {
		details[n.ContactID].Notes = append(details[n.ContactID].Notes, n)
	}
	for id, ts := range tickets {
		details[id].Tickets = ts
	}
	return details, nil
}

type memberGroup struct {
	contactID int64
	group     Group
}

// loadMemberGroups reads the groups of contacts. Rows are many on a page (and field values more so: five a
// contact make 1,250), so they are scanned by hand rather than by reflection.
func (s *Store) loadMemberGroups(ctx context.Context, contactIDs []int64) ([]memberGroup, error) {
	rows, err := s.read(ctx).Table("contact_groups AS g").Select("m.contact_id, g.id, g.uuid, g.name").
		Joins("JOIN contact_group_members m ON m.group_id = g.id").
		Where("m.contact_id IN ? AND g.is_active", contactIDs).Order("g.id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberGroup
	for rows.Next() {
		var m memberGroup
		if err := rows.Scan(&m.contactID, &m.group.ID, &m.group.UUID, &m.group.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

type contactFieldValue struct {
	contactID, fieldID int64
	value              *FieldValue
}

func (s *Store) loadFieldValues(ctx context.Context, contactIDs []int64) ([]contactFieldValue, error) {
	rows, err := s.read(ctx).Table("contact_field_values").Select("contact_id, field_id, text_value, number_value, datetime_value, state_value, district_value, ward_value").
		Where("contact_id IN ?", contactIDs).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contactFieldValue
	for rows.Next() {
		v := contactFieldValue{value: &FieldValue{}}
		var number decimal.NullDecimal
		var state, district, ward *string
		if err := rows.Scan(&v.contactID, &v.fieldID, &v.value.Text, &number, &v.value.Datetime, &state, &district, &ward); err != nil {
			return nil, err
		}
		for _, p := range []struct{ to, from *string }{{&v.value.State, state}, {&v.value.District, district}, {&v.value.Ward, ward}} {
			if p.from != nil {
				*p.to = *p.from
			}
		}
		if number.Valid {
			v.value.Number = &number.Decimal
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// URNsOf reads contacts' URNs, each contact's in priority order, by contact id.
func (r *Reader) URNsOf(contactIDs []int64) (map[int64][]ContactURN, error) {
	out := make(map[int64][]ContactURN, len(contactIDs))
	if len(contactIDs) == 0 {
		return out, nil
	}
	var rows []ContactURN
	if err := r.db.Where("contact_id IN ?", contactIDs).Order("contact_id, priority DESC, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, u := range rows {
		out[u.ContactID] = append(out[u.ContactID], u)
	}
	return out, nil
}
