package models

import "time"

// Product is a product of a WhatsApp catalog, as Weni's products endpoint lists them. flowsd syncs no
// catalogs, so there are none: the type is what the listing would hold.
type Product struct {
	Title             string
	FacebookProductID string
	RetailerID        string
	CreatedOn         time.Time
}
