package flows

import (
	"fmt"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/core"
)

// EngineContact is a contact as the engine holds it: its URNs (with the channels they are tied to), groups,
// field values and open ticket (what @contact.tickets shows).
func EngineContact(a *Assets, c *models.Contact, d *models.ContactDetails, fields map[int64]*models.Field) (*core.Contact, error) {
	sa := a.Session
	urnList := make([]urns.URN, len(d.URNs))
	for i, u := range d.URNs {
		urnList[i] = a.engineURN(&u)
	}
	groups := make([]*assets.GroupReference, 0, len(d.Groups))
	for _, g := range d.Groups {
		groups = append(groups, assets.NewGroupReference(assets.GroupUUID(g.UUID), g.Name))
	}
	values := map[string]*core.Value{}
	for fieldID, v := range d.Fields {
		f := fields[fieldID]
		if f == nil {
			continue
		}
		values[f.Key] = engineValue(v)
	}
	name, language := "", i18n.NilLanguage
	if c.Name != nil {
		name = *c.Name
	}
	if c.Language != nil {
		language = i18n.Language(*c.Language)
	}
	tickets := make([]*core.Ticket, len(d.Tickets))
	for i := range d.Tickets {
		tickets[i] = engineTicket(a, &d.Tickets[i])
	}
	contact, err := core.NewContact(sa, core.ContactUUID(c.UUID), core.ContactID(c.ID), name, language, core.ContactStatus(c.Status),
		nil, c.CreatedOn, c.LastSeenOn, urnList, groups, values, tickets, assets.IgnoreMissing)
	if err != nil {
		return nil, fmt.Errorf("reading contact %s for the engine: %w", c.UUID, err)
	}
	return contact, nil
}

// engineURN is a contact's URN as the engine reads it: with ?channel= when it is tied to a channel.
func (a *Assets) engineURN(u *models.ContactURN) urns.URN {
	if u.ChannelID != nil {
		if ch := a.ChannelByID(*u.ChannelID); ch != nil {
			return urns.URN(u.Identity + "?channel=" + ch.UUID)
		}
	}
	return urns.URN(u.Identity)
}

// engineTicket is a ticket as the engine holds it, with its topic and assignee from the assets. An assignee no
// longer a member isn't among the assets' users but is still the ticket's: the engine is given them as they
// are, so that @contact.tickets shows them and unassigning the ticket changes it.
func engineTicket(a *Assets, t *models.EngineTicket) *core.Ticket {
	var assignee *core.User
	if t.AssigneeUUID != nil {
		uuid := assets.UserUUID(*t.AssigneeUUID)
		if assignee = a.Session.Users().Get(uuid); assignee == nil {
			u := models.User{Email: deref(t.AssigneeEmail), FirstName: deref(t.AssigneeFirst), LastName: deref(t.AssigneeLast)}
			assignee = core.NewUser(static.NewUser(uuid, u.Name(), u.Email))
		}
	}
	return core.NewTicket(core.TicketUUID(t.UUID), core.TicketStatus(t.Status), a.Session.Topics().Get(assets.TopicUUID(t.TopicUUID)), assignee)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
