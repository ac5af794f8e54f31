package api

import (
	"fmt"

	"github.com/flowsd/flowsd/models"
)

// recipients are who a flow start or a broadcast is for, as its body names them: contacts (by UUID or URN),
// groups (by UUID or name) and URNs (normalized; contacts are found or made for them later).
type recipients struct {
	contactIDs, groupIDs []int64
	urns                 []models.URNSpec
	given                bool // whether any list had an item
}

// readRecipients reads the recipient fields in the order the endpoint's serializer declares them, each a list
// of at most limits[name] items, with RapidPro's messages.
func readRecipients(c *Ctx, in *input, v *validation, order []string, limits map[string]int) (*recipients, error) {
	r := &recipients{}
	for _, name := range order {
		items, ok := recipientList(c, in, v, name, limits[name])
		if !ok || len(items) == 0 {
			continue
		}
		r.given = true
		switch name {
		case "contacts":
			contacts, err := resolveContacts(c, items, v)
			if err != nil {
				return nil, err
			}
			for _, ct := range contacts {
				r.contactIDs = append(r.contactIDs, ct.ID)
			}
		case "groups":
			groups, msg, err := resolveGroups(c.Request().Context(), c, items, true)
			if err != nil {
				return nil, err
			}
			if msg != "" {
				v.add("groups", msg)
			}
			for _, g := range groups {
				r.groupIDs = append(r.groupIDs, g.ID)
			}
		case "urns":
			var itemErrs *keyedErrors
			if r.urns, itemErrs = readURNItems(c, items); !itemErrs.empty() {
				v.addNested("urns", itemErrs)
			}
		}
	}
	return r, nil
}

// recipientList reads a list of groups, contacts or URNs of at most max items, with the profile's message.
func recipientList(c *Ctx, in *input, v *validation, name string, max int) ([]any, bool) {
	items, present, ok := in.list(v, name, 0)
	if !present || !ok {
		return nil, false
	}
	if len(items) > max {
		msg := fmt.Sprintf("Ensure this field has no more than %d elements.", max)
		if c.weni() {
			msg = fmt.Sprintf("This field can only contain up to %d items.", max)
		}
		v.add(name, msg)
		return nil, false
	}
	return items, true
}
