package flows

import (
	"strconv"
	"strings"

	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/excellent/tools"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/utils"
	"github.com/nyaruka/goflow/utils/obfuscate"
)

// A broadcast's expressions mostly read the contact's own properties (@contact.first_name), which goflow's
// contact context gives only with everything else: each URN formatted (a phone number parse each) and the
// preferred channel chosen (another parse), a third of a broadcast worker's time. When every expression of a
// broadcast reads nothing of the contact but these properties, each contact gets a context of these alone,
// made as goflow makes them.

// ownContactProperties are the properties of @contact that cost no URN, channel, group or field to make.
var ownContactProperties = map[string]bool{
	"uuid": true, "ref": true, "name": true, "first_name": true, "language": true, "timezone": true, "status": true,
	"created_on": true, "last_seen_on": true, "id": true,
}

// readsOwnPropertiesOnly is whether every one of templates reads nothing of @contact but its own properties (a
// bare @contact is its formatted URN or name: not its own). A template that can't be parsed answers false: it
// is left to the engine as it is.
func readsOwnPropertiesOnly(templates []string) bool {
	for _, t := range templates {
		own, bare := true, 0
		// goflow reports each reference with its prefixes (@contact.name: [contact], [contact name]): a bare
		// @contact is a [contact] that no [contact x] follows
		err := tools.FindContextRefsInTemplate(t, broadcastTopLevels, func(path []string) {
			if strings.ToLower(path[0]) != "contact" {
				return
			}
			switch {
			case len(path) == 1:
				bare++
			case len(path) == 2:
				bare--
				own = own && ownContactProperties[strings.ToLower(path[1])]
			}
		})
		if err != nil || !own || bare > 0 {
			return false
		}
	}
	return true
}

// ownContactContext is goflow's @contact (core.Contact.Context) with its own properties only.
func ownContactContext(env envs.Environment, c *core.Contact) types.XValue {
	var firstName, timezone, lastSeenOn types.XValue
	ref, _ := obfuscate.EncodeID(int64(c.ID()), env.ObfuscationKey())
	if c.Timezone() != nil {
		timezone = types.NewXText(c.Timezone().String())
	}
	if names := utils.TokenizeString(c.Name()); len(names) >= 1 {
		firstName = types.NewXText(names[0])
	}
	if c.LastSeenOn() != nil {
		lastSeenOn = types.NewXDateTime(*c.LastSeenOn())
	}
	id := types.NewXText(strconv.Itoa(int(c.ID())))
	id.SetDeprecated("@contact.id is deprecated, use @contact.ref instead")
	return types.NewXObject(map[string]types.XValue{
		"uuid":         types.NewXText(string(c.UUID())),
		"ref":          types.NewXText(ref),
		"name":         types.NewXText(c.Name()),
		"first_name":   firstName,
		"language":     types.NewXText(string(c.Language())),
		"timezone":     timezone,
		"status":       types.NewXText(string(c.Status())),
		"created_on":   types.NewXDateTime(c.CreatedOn()),
		"last_seen_on": lastSeenOn,
		"id":           id,
	})
}
