// Package flows hosts RapidPro's flow engine, goflow: every call into goflow lives here, so that when goflow's
// API moves, one package moves with it. So far: workspace environments, contact field values, and contact
// queries (contactql) translated into SQL for smart groups and searches.
package flows

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/envs"
)

var dateFormats = map[string]envs.DateFormat{
	models.DayFirst:   envs.DateFormatDayMonthYear,
	models.MonthFirst: envs.DateFormatMonthDayYear,
	models.YearFirst:  envs.DateFormatYearMonthDay,
}

// Environment is the engine's view of a workspace: its timezone, date style, country, languages and, for
// anonymous workspaces, the redaction of URNs.
func Environment(ws *models.Workspace) envs.Environment {
	tz, err := time.LoadLocation(ws.Timezone)
	if err != nil {
		tz = time.UTC
	}
	b := envs.NewBuilder().
		WithTimezone(tz).
		WithDateFormat(dateFormats[ws.DateStyle]).
		WithObfuscationKey(ObfuscationKey(ws))
	if ws.Country != nil {
		b = b.WithDefaultCountry(i18n.Country(*ws.Country))
	}
	langs := make([]i18n.Language, len(ws.Languages))
	for i, l := range ws.Languages {
		langs[i] = i18n.Language(l)
	}
	if len(langs) > 0 {
		b = b.WithAllowedLanguages(langs...)
	}
	if ws.IsAnon {
		b = b.WithRedactionPolicy(envs.RedactionPolicyURNs)
	}
	return b.Build()
}

// ObfuscationKey is the key a workspace's contact refs are obfuscated with, derived from its UUID so that
// refs are stable and differ between workspaces.
func ObfuscationKey(ws *models.Workspace) [4]uint32 {
	sum := sha256.Sum256([]byte("flowsd-ref:" + ws.UUID))
	var key [4]uint32
	for i := range key {
		key[i] = binary.BigEndian.Uint32(sum[i*4:])
	}
	return key
}
