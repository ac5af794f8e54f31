package api_test

import "github.com/flowsd/flowsd/models"

func init() { truthSeeds["broadcasts"] = func(e *env) { seedBroadcastWorld(e) } }

// seedBroadcastWorld is seedSendWorld's contacts, channels and media, with groups and a broadcast of another
// workspace's that must stay out of sight.
func seedBroadcastWorld(e *env) {
	seedSendWorld(e)
	var joe, theirs models.Contact
	e.must(e.db.Raw.Where("uuid = ?", seedUUID('c', 1)).Take(&joe).Error)
	e.must(e.db.Raw.Where("uuid = ?", seedUUID('c', 7)).Take(&theirs).Error)
	e.seedGroup("nyaruka", seedUUID('a', 1), "Customers", "", &joe)
	e.seedGroup("nyaruka", seedUUID('a', 2), "Adults", "age > 18")
	e.seedGroup("trileet", seedUUID('a', 3), "Trileet Group", "", &theirs)
	e.insert(&models.Broadcast{UUID: seedUUID('9', 1), WorkspaceID: e.ws["trileet"].ID, Status: models.BroadcastCompleted,
		Translations: `{"eng":{"text":"Not yours"}}`, BaseLanguage: "eng", URNs: models.StringList{}, ContactCount: 1, IsActive: true,
		CreatedOn: seedAt(9, 0), ModifiedOn: seedAt(9, 0)})
}
