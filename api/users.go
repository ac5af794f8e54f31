package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleUser = models.Member{Role: models.RoleAdministrator, User: models.User{
	UUID: "81c0d324-6e1c-4c3b-8a4e-02d4a2a3a2b1", Email: "bob@example.com", FirstName: "Bob", LastName: "McFlow",
	CreatedOn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}

var usersListDocs = OperationDocs{Title: "List Users",
	Params: []Param{
		{Name: "uuid", Help: "Only return users with this UUID (repeatable, up to 100)"},
		{Name: "email", Help: "Only return users with this email (repeatable, case-insensitive)"},
		{Name: "role", Help: "Only return users with this role: administrator, editor or agent (repeatable)"},
	},
	Example: Example{Query: "role=administrator", Status: http.StatusOK, Answer: listAnswer(convertUser, exampleUser)}}

type userOut struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Email     string  `json:"email"`
	Role      string  `json:"role"`
	Team      *ref    `json:"team"`
	CreatedOn apiTime `json:"created_on"`
	Avatar    *string `json:"avatar"`
	FirstName string  `json:"first_name"` // deprecated
	LastName  string  `json:"last_name"`  // deprecated
}

// userOutWeni is the shape of Weni (and RapidPro 8.3).
type userOutWeni struct {
	Email     string  `json:"email"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Role      string  `json:"role"`
	CreatedOn apiTime `json:"created_on"`
}

func convertUser(c *Ctx, m *models.Member) any {
	if c.weni() {
		return userOutWeni{Email: m.Email, FirstName: m.FirstName, LastName: m.LastName, Role: string(m.Role), CreatedOn: apiTime(m.CreatedOn)}
	}
	return userOut{UUID: m.UUID, Name: m.Name(), Email: m.Email, Role: string(m.Role), CreatedOn: apiTime(m.CreatedOn),
		Avatar: m.AvatarURL, FirstName: m.FirstName, LastName: m.LastName}
}

func listUsers(c *Ctx) error {
	q := c.store().Members(c.ws().ID)
	uuids, err := uuidParams(c.query, "uuid")
	if err != nil {
		return err
	}
	if len(uuids) > 0 {
		q = q.WithUUIDs(uuids)
	}
	if emails := c.query["email"]; len(emails) > 0 {
		q = q.WithEmails(emails)
	}
	if roles, given := c.query["role"]; given {
		// unknown roles are ignored, so asking only for unknown roles finds nobody
		var known []models.Role
		for _, r := range roles {
			if role, err := models.ParseRole(r); err == nil {
				known = append(known, role)
			}
		}
		q = q.WithRoles(known)
	}
	return respondPage(c, order{}, q.Page, convertEach(func(m *models.Member) any { return convertUser(c, m) }))
}
