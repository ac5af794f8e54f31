package flows

import (
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/dates"
	"github.com/nyaruka/goflow/envs"
	"github.com/shopspring/decimal"
)

// FormatFieldValue is a field value as the API writes it: by the field's type, null when the value doesn't
// read as that type. Numbers lose trailing zeros; datetimes are ISO 8601 in the workspace's timezone.
func FormatFieldValue(env envs.Environment, fieldType string, v *models.FieldValue) *string {
	if v == nil {
		return nil
	}
	var s string
	switch fieldType {
	case models.FieldText:
		s = v.Text
	case models.FieldNumber:
		if v.Number == nil {
			return nil
		}
		s = formatNumber(*v.Number)
	case models.FieldDatetime:
		if v.Datetime == nil {
			return nil
		}
		s = dates.FormatISO(v.Datetime.In(env.Timezone()))
	default: // a location: its boundary's name, only set when it matched one
		path := map[string]string{models.FieldState: v.State, models.FieldDistrict: v.District, models.FieldWard: v.Ward}[fieldType]
		if path == "" {
			return nil
		}
		s = models.LocationName(path)
	}
	return &s
}

func formatNumber(d decimal.Decimal) string {
	s := d.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
