package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flowsd/flowsd/models"
)

// deliveryOut is what flowsd resthook deliveries prints of a delivery.
type deliveryOut struct {
	ID             int64   `json:"id"`
	Resthook       string  `json:"resthook"`
	TargetURL      string  `json:"target_url"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	LastStatusCode int     `json:"last_status_code"`
	LastError      string  `json:"last_error"`
	FirstAttemptOn string  `json:"first_attempt_on"`
	LastAttemptOn  string  `json:"last_attempt_on"`
	NextAttemptOn  *string `json:"next_attempt_on"`
	IdempotencyKey string  `json:"idempotency_key"`
}

func outDelivery(d *models.DeliveryListing) deliveryOut {
	out := deliveryOut{ID: d.ID, Resthook: d.Slug, TargetURL: d.TargetURL, Status: string(d.Status), Attempts: d.Attempts,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, FirstAttemptOn: stamp(d.FirstAttemptOn),
		LastAttemptOn: stamp(d.LastAttemptOn), IdempotencyKey: d.IdempotencyKey}
	if d.NextAttemptOn != nil {
		next := stamp(*d.NextAttemptOn)
		out.NextAttemptOn = &next
	}
	return out
}

// stamp writes a time as the API does: UTC, six fractional digits.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

var deliveryStatuses = []models.DeliveryStatus{models.DeliveryDelivered, models.DeliveryRetrying, models.DeliveryGone, models.DeliveryFailed}

// resthookCommand is flowsd resthook deliveries: where a workspace's resthook deliveries stand, newest first.
func resthookCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "deliveries" {
		return usageError{`unknown command: use "flowsd resthook deliveries"`}
	}
	cmd := newWorkspaceCommand("flowsd resthook deliveries")
	slug := cmd.fs.String("resthook", "", "only the deliveries of the resthook with this slug")
	status := cmd.fs.String("status", "", "only the deliveries that are delivered, retrying, gone or failed")
	limit := cmd.fs.Int("limit", 100, "most deliveries printed")
	ctx := context.Background()
	a, ws, err := cmd.open(ctx, args[1:], stderr, func() error {
		if *status != "" && !contains(deliveryStatuses, models.DeliveryStatus(*status)) {
			return usageError{fmt.Sprintf("--status must be one of delivered, retrying, gone, failed, not %q", *status)}
		}
		if *limit < 1 || *limit > 10000 {
			return usageError{"--limit must be between 1 and 10000"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer a.close()
	q := a.store.ResthookDeliveries(ws.ID)
	if *slug != "" {
		q = q.OfResthook(*slug)
	}
	if *status != "" {
		q = q.WithStatus(models.DeliveryStatus(*status))
	}
	page, err := q.Page(ctx, models.PageSpec{Size: *limit})
	if err != nil {
		return err
	}
	out := make([]deliveryOut, len(page.Rows))
	for i := range page.Rows {
		out[i] = outDelivery(&page.Rows[i])
	}
	return printJSON(stdout, out)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
