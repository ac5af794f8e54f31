package api

import (
	"context"
	"net/http"

	"github.com/flowsd/flowsd/models"
)

// Weni's products.json lists the products of the workspace's WhatsApp catalog. flowsd syncs no catalogs, so
// the listing is always empty; its filters are still read as Weni reads them, and its cursor checked.

var productsDocs = OperationDocs{Title: "List Products",
	Params: []Param{
		{Name: "name", Help: "Part of a product title to find, ignoring case"},
		{Name: "retailer_id", Help: "A product retailer id to filter by"},
	},
	Example: Example{Status: http.StatusOK, Answer: listAnswer[productOut](func(_ *Ctx, p *productOut) any { return *p })}}

// productOut is what Weni's serializer writes for a product.
type productOut struct {
	Title             string  `json:"title"`
	FacebookProductID string  `json:"facebook_product_id"`
	RetailerID        string  `json:"product_retailer_id"`
	CreatedOn         apiTime `json:"created_on"`
}

// listProducts answers an empty page: no workspace has a catalog.
func listProducts(c *Ctx) error {
	none := func(context.Context, models.PageSpec) (*models.Page[productOut], error) { return &models.Page[productOut]{}, nil }
	return respondPage(c, order{}, none, convertEach(func(p *productOut) any { return *p }))
}
