package flows

import (
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/excellent/types"
)

// parseFieldValue reads a contact field value as the engine does without locations: the text as given, and,
// where it reads as one, a number and a datetime (in the workspace's date style and timezone). The server's
// writes use Assets.ParseFieldValues, which resolves locations too; tests seed values with this.
func parseFieldValue(env envs.Environment, text string) models.FieldValue {
	v := models.FieldValue{Text: text}
	xtext := types.NewXText(text)
	if n, xerr := types.ToXNumber(env, xtext); xerr == nil {
		d := n.Native()
		v.Number = &d
	}
	if dt, xerr := types.ToXDateTimeWithTimeFill(env, xtext); xerr == nil {
		t := dt.Native().UTC().Truncate(time.Microsecond)
		v.Datetime = &t
	}
	return v
}
