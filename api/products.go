package api

import (
	"context"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's products.json lists the products of the workspace's WhatsApp catalog. flowsd syncs no catalogs, so
// the listing is always empty; its cursor is still checked, and its filters (name, retailer_id) taken.

var exampleProduct = models.Product{Title: "Dog Bowl In Blue", FacebookProductID: "6498684463556034", RetailerID: "DB_1",
	CreatedOn: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}

var productsDocs = OperationDocs{Title: "List Products",
	Params: []Param{
		{Name: "name", Help: "Part of a product title to find, ignoring case"},
		{Name: "retailer_id", Help: "A product retailer id to filter by"},
	},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertProduct, exampleProduct)}}

// productOut is what Weni's serializer writes for a product.
type productOut struct {
	Title             string  `json:"title"`
	FacebookProductID string  `json:"facebook_product_id"`
	RetailerID        string  `json:"product_retailer_id"`
	CreatedOn         apiTime `json:"created_on"`
}

func convertProduct(_ *Ctx, p *models.Product) any {
	return productOut{Title: p.Title, FacebookProductID: p.FacebookProductID, RetailerID: p.RetailerID, CreatedOn: apiTime(p.CreatedOn)}
}

// listProducts answers an empty page: no workspace has a catalog.
func listProducts(c *Ctx) error {
	none := func(context.Context, models.PageSpec) (*models.Page[models.Product], error) {
		return &models.Page[models.Product]{}, nil
	}
	return respondPage(c, order{}, none, convertEach(func(p *models.Product) any { return convertProduct(c, p) }))
}
