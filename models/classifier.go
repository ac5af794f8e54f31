package models

import "time"

// Classifier is an NLU service flows' classify actions call (RapidPro 8.3's classifiers: wit, luis, bothub…),
// and Ticketer a service tickets are opened on (8.3's ticketers: mailgun, zendesk…). Nothing in flowsd makes
// either yet, so no table holds them: classifiers.json and ticketers.json list none.
type Classifier struct {
	UUID      string
	Name      string
	Type      string
	Intents   []string // active ones, sorted by name
	CreatedOn time.Time
}

// Ticketer: see Classifier.
type Ticketer struct {
	UUID      string
	Name      string
	Type      string
	CreatedOn time.Time
}
