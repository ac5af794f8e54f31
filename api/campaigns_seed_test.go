package api_test

import (
	"time"

	"github.com/flowsd/flowsd/models"
)

// The world of the campaigns and campaign_events truth files: campaigns and events as an import leaves them
// (archived and deleted ones too), in Nyaruka, Trileet and Weni, so every listing and every write shows it
// keeps to its own workspace. Reminders and Notifications were made at the same time, so the id breaks the tie.

func init() {
	for _, name := range []string{"campaigns", "campaign_events"} {
		truthSeeds[name] = func(e *env) { seedCampaignWorld(e) }
	}
}

func (e *env) seedDateField(ws, key, name, valueType string) *models.Field {
	e.t.Helper()
	f := &models.Field{UUID: e.store.NewUUID(), WorkspaceID: e.ws[ws].ID, Key: key, Name: name, ValueType: valueType,
		AgentAccess: models.AccessView, IsActive: true, CreatedOn: seedAt(8, 0), ModifiedOn: seedAt(8, 0)}
	e.insert(f)
	return f
}

func (e *env) seedCampaign(ws, uuid, name string, group *models.Group, archived, active bool, created time.Time) *models.Campaign {
	e.t.Helper()
	c := &models.Campaign{UUID: uuid, WorkspaceID: e.ws[ws].ID, Name: name, GroupID: group.ID, IsArchived: archived, IsActive: active,
		CreatedOn: created, ModifiedOn: created}
	e.insert(c)
	// gorm leaves out false booleans that have a database default
	e.must(e.db.Raw.Model(c).Updates(map[string]any{"is_active": active, "is_archived": archived}).Error)
	return c
}

// eventSeed is a campaign event to add: a flow event when flow is set, else a message event.
type eventSeed struct {
	uuid         string
	campaign     *models.Campaign
	field        *models.Field // nil: relative to system
	system       string
	offset       int
	unit         string
	deliveryHour int
	flow         *models.Flow
	message      string
	active       bool
	created      time.Time
}

func (e *env) seedEvent(s eventSeed) *models.CampaignEvent {
	e.t.Helper()
	ev := &models.CampaignEvent{UUID: s.uuid, CampaignID: s.campaign.ID, Offset: s.offset, Unit: s.unit, DeliveryHour: s.deliveryHour,
		IsActive: s.active, CreatedOn: s.created, StartMode: models.StartInterrupt}
	if s.field != nil {
		ev.RelativeToID = &s.field.ID
	} else {
		ev.RelativeToSystem = &s.system
	}
	if s.flow != nil {
		ev.EventType, ev.FlowID = models.EventFlow, &s.flow.ID
	} else {
		ev.EventType, ev.Message = models.EventMessage, &s.message
	}
	e.insert(ev)
	// gorm leaves out false booleans that have a database default
	e.must(e.db.Raw.Model(ev).Update("is_active", s.active).Error)
	return ev
}

func seedCampaignWorld(e *env) {
	mothers := e.seedGroup("nyaruka", "b1000000-0000-4000-8000-000000000001", "Mothers", "")
	fathers := e.seedGroup("nyaruka", "b1000000-0000-4000-8000-000000000002", "Fathers", "")
	e.seedGroup("nyaruka", "b1000000-0000-4000-8000-000000000003", "Adults", "age > 18")
	edd := e.seedDateField("nyaruka", "edd", "EDD", models.FieldDatetime)
	e.seedDateField("nyaruka", "age", "Age", models.FieldNumber)
	e.seedDateField("nyaruka", "birthday", "Birthday", models.FieldDatetime)
	survey := e.seedFlow("nyaruka", "f1000000-0000-4000-8000-0000000000c1", "Survey Flow", false, true)
	e.seedFlow("nyaruka", "f1000000-0000-4000-8000-0000000000c2", "Deleted Flow", false, false)

	reminders := e.seedCampaign("nyaruka", "c1000000-0000-4000-8000-000000000001", "Reminders", mothers, false, true, seedAt(9, 0))
	notifications := e.seedCampaign("nyaruka", "c1000000-0000-4000-8000-000000000002", "Notifications", fathers, false, true, seedAt(9, 0))
	old := e.seedCampaign("nyaruka", "c1000000-0000-4000-8000-000000000003", "Old Campaign", mothers, true, true, seedAt(9, 20))
	gone := e.seedCampaign("nyaruka", "c1000000-0000-4000-8000-000000000004", "Gone Campaign", mothers, false, false, seedAt(9, 30))

	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000001", campaign: reminders, field: edd, offset: 14, unit: "days",
		deliveryHour: -1, flow: survey, active: true, created: seedAt(10, 0)})
	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000002", campaign: reminders, field: edd, offset: 3, unit: "weeks",
		deliveryHour: 17, message: `{"eng": "Don't forget to brush", "kin": "Ntiwibagirwe koza amenyo"}`, active: true, created: seedAt(10, 5)})
	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000003", campaign: reminders, field: edd, offset: 1, unit: "hours",
		deliveryHour: -1, message: `{"eng": "Deleted"}`, active: false, created: seedAt(10, 6)})
	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000004", campaign: old, field: edd, offset: -2, unit: "days",
		deliveryHour: 9, message: `{"eng": "Archived campaign"}`, active: true, created: seedAt(10, 10)})
	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000005", campaign: notifications, system: models.SystemCreatedOn, offset: 30,
		unit: "minutes", deliveryHour: -1, message: `{"eng": "Welcome!"}`, active: true, created: seedAt(10, 15)})
	e.seedEvent(eventSeed{uuid: "e1000000-0000-4000-8000-000000000006", campaign: gone, field: edd, offset: 1, unit: "days",
		deliveryHour: -1, message: `{"eng": "Of a deleted campaign"}`, active: true, created: seedAt(10, 20)})

	// Trileet's own, which Nyaruka must never see or use
	theirGroup := e.seedGroup("trileet", "b2000000-0000-4000-8000-000000000001", "Their Group", "")
	theirField := e.seedDateField("trileet", "their_date", "Their Date", models.FieldDatetime)
	theirFlow := e.seedFlow("trileet", "f2000000-0000-4000-8000-0000000000c1", "Their Flow", false, true)
	theirs := e.seedCampaign("trileet", "c2000000-0000-4000-8000-000000000001", "Their Campaign", theirGroup, false, true, seedAt(9, 40))
	e.seedEvent(eventSeed{uuid: "e2000000-0000-4000-8000-000000000001", campaign: theirs, field: theirField, offset: 1, unit: "days",
		deliveryHour: -1, flow: theirFlow, active: true, created: seedAt(10, 30)})

	// Weni's: RapidPro 7's shapes
	weniGroup := e.seedGroup("weni", "b3000000-0000-4000-8000-000000000001", "Gestantes", "")
	birth := e.seedDateField("weni", "nascimento", "Nascimento", models.FieldDatetime)
	weni := e.seedCampaign("weni", "c3000000-0000-4000-8000-000000000001", "Lembretes", weniGroup, false, true, seedAt(9, 50))
	e.seedEvent(eventSeed{uuid: "e3000000-0000-4000-8000-000000000001", campaign: weni, field: birth, offset: 2, unit: "days",
		deliveryHour: 8, message: `{"por": "Olá, mamãe"}`, active: true, created: seedAt(10, 40)})
}
