package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// ContactSpec is what a write sets on a contact. Nil pointers and maps leave things as they are.
type ContactSpec struct {
	Name     *string // "" clears
	Language *string // "" clears
	URNs     []URNSpec
	SetURNs  bool                  // replace the URNs with URNs (which may be empty)
	Groups   []int64               // manual groups, replacing the current manual memberships when SetGroups
	SetGroup bool                  // replace manual group memberships with Groups
	Fields   map[int64]*FieldValue // by field id; nil value clears
	Note     *string
	NoteBy   int64 // user leaving the note
}

// CreateContact makes an active contact from spec.
func (s *Store) CreateContact(ctx context.Context, ws *Workspace, spec ContactSpec) (c *Contact, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		c, err = tx.CreateContact(ctx, ws, spec)
		return err
	})
	return c, err
}

// CreateContact makes an active contact from spec.
func (tx *Tx) CreateContact(ctx context.Context, ws *Workspace, spec ContactSpec) (*Contact, error) {
	now := tx.s.now()
	c := &Contact{UUID: tx.s.NewUUID(), WorkspaceID: ws.ID, Status: ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now}
	// a URN that's taken refuses the contact before anything is written
	if err := tx.checkURNsFree(ws.ID, 0, spec.URNs); err != nil {
		return nil, err
	}
	tx.s.applyScalars(c, spec)
	if err := tx.db.Create(c).Error; err != nil {
		return nil, err
	}
	return c, tx.applySpec(ctx, ws, c, spec, now)
}

// UpdateContact applies spec to a contact.
func (s *Store) UpdateContact(ctx context.Context, ws *Workspace, c *Contact, spec ContactSpec) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.UpdateContact(ctx, ws, c, spec) })
}

// UpdateContact applies spec to a contact.
func (tx *Tx) UpdateContact(ctx context.Context, ws *Workspace, c *Contact, spec ContactSpec) error {
	if err := tx.lockFiresOf([]int64{c.ID}); err != nil {
		return err
	}
	now := tx.s.now()
	tx.s.applyScalars(c, spec)
	c.ModifiedOn = now
	err := tx.db.Model(&Contact{}).Where("id = ? AND workspace_id = ?", c.ID, ws.ID).Updates(map[string]any{
		"name": c.Name, "name_lower": c.NameLower, "name_tokens": c.NameTokens, "language": c.Language, "modified_on": now,
	}).Error
	if err != nil {
		return err
	}
	return tx.applySpec(ctx, ws, c, spec, now)
}

// ContactForURN is the active contact with a URN, made now when nobody has it. This is the path of every
// message that arrives, so a contact that exists is found without writing.
func (s *Store) ContactForURN(ctx context.Context, ws *Workspace, u URNSpec) (*Contact, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.GetContactByURN(ctx, ws.ID, u.Identity)
		if err == nil || !IsNotFound(err) {
			return c, err
		}
		err = s.Write(ctx, func(tx *Tx) error {
			c, err = tx.ContactForURN(ctx, ws, u)
			return err
		})
		var taken *ErrURNTaken
		if errors.As(err, &taken) && attempt == 0 {
			continue // someone else made them first: they are found now
		}
		return c, err
	}
}

// ContactForURN is the active contact with a URN, made in this transaction when nobody has it.
func (tx *Tx) ContactForURN(ctx context.Context, ws *Workspace, u URNSpec) (*Contact, error) {
	c, err := tx.contactByURN(ws.ID, u.Identity)
	if err == nil || !IsNotFound(err) {
		return c, err
	}
	return tx.CreateContact(ctx, ws, ContactSpec{URNs: []URNSpec{u}, SetURNs: true})
}

// SetStatus changes contacts' status. Non-active contacts leave every smart group (their queries only ever
// match active contacts); manual memberships stay, as in RapidPro.
func (s *Store) SetStatus(ctx context.Context, ws *Workspace, contactIDs []int64, status ContactStatus) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.SetStatus(ctx, ws, contactIDs, status) })
}

// SetStatus changes contacts' status (see Store.SetStatus).
func (tx *Tx) SetStatus(ctx context.Context, ws *Workspace, contactIDs []int64, status ContactStatus) error {
	if err := tx.lockFiresOf(contactIDs); err != nil {
		return err
	}
	now := tx.s.now()
	err := tx.db.Model(&Contact{}).Where("workspace_id = ? AND id IN ? AND status <> ?", ws.ID, contactIDs, status).
		Updates(map[string]any{"status": status, "modified_on": now}).Error
	if err != nil {
		return err
	}
	if err := tx.reevaluateSmartGroups(ctx, ws, contactIDs); err != nil {
		return err
	}
	return tx.refreshContactFires(ws.ID, contactIDs, now)
}

// MarkSeen records that a contact wrote in, and moves their fires of events relative to when they were last
// seen (RapidPro means to, but mailroom's hook misses the case: flowsd keeps the UI's promise).
func (tx *Tx) MarkSeen(workspaceID, contactID int64, now time.Time) error {
	err := tx.db.Model(&Contact{}).Where("id = ? AND workspace_id = ?", contactID, workspaceID).
		Updates(map[string]any{"last_seen_on": now, "modified_on": now}).Error
	if err != nil {
		return err
	}
	return tx.refreshSeenFires(workspaceID, contactID, now)
}

// FreeURNs keeps the URNs that no contact but contactID has.
func (tx *Tx) FreeURNs(workspaceID, contactID int64, urns []URNSpec) ([]URNSpec, error) {
	var free []URNSpec
	for _, u := range urns {
		err := tx.checkURNsFree(workspaceID, contactID, []URNSpec{u})
		var taken *ErrURNTaken
		if err == nil {
			free = append(free, u)
		} else if !errors.As(err, &taken) {
			return nil, err
		}
	}
	return free, nil
}

func (s *Store) applyScalars(c *Contact, spec ContactSpec) {
	if spec.Name != nil {
		c.Name, c.NameLower, c.NameTokens = nil, nil, ""
		if *spec.Name != "" {
			name, lower := *spec.Name, strings.ToLower(*spec.Name)
			c.Name, c.NameLower = &name, &lower
			if s.Rules != nil {
				c.NameTokens = " " + strings.Join(s.Rules.NameTokens(name), " ") + " "
			}
		}
	}
	if spec.Language != nil {
		c.Language = nil
		if *spec.Language != "" {
			lang := *spec.Language
			c.Language = &lang
		}
	}
}

// applySpec writes a contact's URNs, field values, groups and note, then its smart group memberships.
func (tx *Tx) applySpec(ctx context.Context, ws *Workspace, c *Contact, spec ContactSpec, now time.Time) error {
	if spec.SetURNs {
		if err := tx.setURNs(c, spec.URNs); err != nil {
			return err
		}
	}
	for fieldID, v := range spec.Fields {
		if err := tx.db.Where("contact_id = ? AND field_id = ?", c.ID, fieldID).Delete(&fieldValueRow{}).Error; err != nil {
			return err
		}
		if v == nil || v.Text == "" {
			continue
		}
		row := &fieldValueRow{ContactID: c.ID, FieldID: fieldID, TextValue: v.Text, TextLower: strings.ToLower(v.Text), DatetimeValue: v.Datetime,
			StateValue: nullText(v.State), StateKey: locationKey(v.State), DistrictValue: nullText(v.District), DistrictKey: locationKey(v.District),
			WardValue: nullText(v.Ward), WardKey: locationKey(v.Ward)}
		if v.Number != nil {
			row.NumberValue = decimal.NullDecimal{Decimal: *v.Number, Valid: true}
		}
		if err := tx.db.Create(row).Error; err != nil {
			return err
		}
	}
	if spec.SetGroup {
		manual := tx.db.Table("contact_groups").Select("id").Where("workspace_id = ? AND query IS NULL AND NOT is_system", ws.ID)
		if err := tx.db.Where("contact_id = ? AND group_id IN (?)", c.ID, manual).Delete(&groupMember{}).Error; err != nil {
			return err
		}
		if err := tx.addMembers(spec.Groups, []int64{c.ID}); err != nil {
			return err
		}
	}
	if spec.Note != nil {
		if err := tx.db.Create(&ContactNote{ContactID: c.ID, Text: *spec.Note, CreatedOn: now, CreatedByID: spec.NoteBy}).Error; err != nil {
			return err
		}
		// only the latest few notes are kept, as in RapidPro
		keep := tx.db.Table("contact_notes").Select("id").Where("contact_id = ?", c.ID).Order("id DESC").Limit(maxNotesKept)
		if err := tx.db.Where("contact_id = ? AND id NOT IN (?)", c.ID, keep).Delete(&ContactNote{}).Error; err != nil {
			return err
		}
	}
	if err := tx.reevaluateSmartGroups(ctx, ws, []int64{c.ID}); err != nil {
		return err
	}
	return tx.refreshContactFires(ws.ID, []int64{c.ID}, now)
}

// checkURNsFree refuses URNs that belong to a contact other than contactID.
func (tx *Tx) checkURNsFree(workspaceID, contactID int64, urns []URNSpec) error {
	if len(urns) == 0 {
		return nil
	}
	identities := make([]string, len(urns))
	for i, u := range urns {
		identities[i] = u.Identity
	}
	var taken []string
	err := tx.db.Model(&ContactURN{}).Where("workspace_id = ? AND identity IN ? AND contact_id <> ?", workspaceID, identities, contactID).
		Pluck("identity", &taken).Error
	if err != nil {
		return err
	}
	for i, id := range identities {
		for _, t := range taken {
			if id == t {
				return &ErrURNTaken{Index: i}
			}
		}
	}
	return nil
}

// setURNs replaces a contact's URNs, the first the highest priority. A URN of another contact is refused.
func (tx *Tx) setURNs(c *Contact, urns []URNSpec) error {
	if err := tx.checkURNsFree(c.WorkspaceID, c.ID, urns); err != nil {
		return err
	}
	if err := tx.db.Where("contact_id = ?", c.ID).Delete(&ContactURN{}).Error; err != nil {
		return err
	}
	seen := map[string]bool{}
	priority := topURNPriority
	for i, u := range urns {
		if seen[u.Identity] {
			continue
		}
		seen[u.Identity] = true
		row := &ContactURN{WorkspaceID: c.WorkspaceID, ContactID: c.ID, Identity: u.Identity, Scheme: u.Scheme, Path: u.Path, Priority: priority}
		if u.Display != "" {
			display := u.Display
			row.Display = &display
		}
		if err := tx.db.Create(row).Error; err != nil {
			if IsDuplicate(err) { // lost a race for it
				return &ErrURNTaken{Index: i}
			}
			return err
		}
		priority--
	}
	return nil
}

func (tx *Tx) addMembers(groupIDs, contactIDs []int64) error {
	for _, g := range groupIDs {
		for _, c := range contactIDs {
			err := tx.db.Exec("INSERT INTO contact_group_members (group_id, contact_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM contact_group_members WHERE group_id = ? AND contact_id = ?)", g, c, g, c).Error
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ChangeGroup adds contacts to, or removes them from, a manual group.
func (s *Store) ChangeGroup(ctx context.Context, ws *Workspace, group *Group, contactIDs []int64, add bool) error {
	return s.Write(ctx, func(tx *Tx) error {
		owned, err := tx.ownedContacts(ws.ID, contactIDs)
		if err != nil {
			return err
		}
		if err := tx.lockFiresOf(owned); err != nil {
			return err
		}
		if add {
			err = tx.addMembers([]int64{group.ID}, owned)
		} else {
			err = tx.db.Where("group_id = ? AND contact_id IN ?", group.ID, owned).Delete(&groupMember{}).Error
		}
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.db.Model(&Contact{}).Where("id IN ?", owned).Update("modified_on", now).Error; err != nil {
			return err
		}
		return tx.refreshContactFires(ws.ID, owned, now)
	})
}

// ownedContacts keeps the ids of contacts that belong to the workspace.
func (r *Reader) ownedContacts(workspaceID int64, ids []int64) ([]int64, error) {
	var owned []int64
	if len(ids) == 0 {
		return nil, nil
	}
	return owned, r.db.Model(&Contact{}).Where("workspace_id = ? AND id IN ?", workspaceID, ids).Order("id").Pluck("id", &owned).Error
}

// DeleteContacts soft-deletes contacts: they keep their UUIDs and timestamps (clients learn of deletions
// through the API) but lose their name, URNs (free for others), field values, groups and notes.
func (s *Store) DeleteContacts(ctx context.Context, workspaceID int64, contactIDs []int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		owned, err := tx.ownedContacts(workspaceID, contactIDs)
		if err != nil || len(owned) == 0 {
			return err
		}
		if err := tx.lockFiresOf(owned); err != nil {
			return err
		}
		for _, model := range []any{&ContactURN{}, &fieldValueRow{}, &groupMember{}, &ContactNote{}, &CampaignFire{}} {
			if err := tx.db.Where("contact_id IN ?", owned).Delete(model).Error; err != nil {
				return err
			}
		}
		return tx.db.Model(&Contact{}).Where("id IN ?", owned).Updates(map[string]any{
			"is_active": false, "name": nil, "name_lower": nil, "name_tokens": "", "language": nil, "modified_on": s.now(),
		}).Error
	})
}

// SetURNAffinity makes the URN a contact wrote in on their first (messages to them go to it first) and ties it
// to the channel it came in on, as RapidPro's affinity does; a channel that doesn't send leaves the tie as it was.
func (tx *Tx) SetURNAffinity(contactID int64, identity string, ch *Channel) error {
	var top []int
	if err := tx.db.Model(&ContactURN{}).Where("contact_id = ?", contactID).Order("priority DESC").Limit(1).Pluck("priority", &top).Error; err != nil {
		return err
	}
	updates := map[string]any{}
	if ch != nil && ch.Sends() {
		updates["channel_id"] = ch.ID
	}
	if len(top) > 0 {
		updates["priority"] = gorm.Expr("CASE WHEN priority = ? THEN priority ELSE ? END", top[0], top[0]+1)
	}
	if len(updates) == 0 {
		return nil
	}
	return tx.db.Model(&ContactURN{}).Where("contact_id = ? AND identity = ?", contactID, identity).Updates(updates).Error
}
