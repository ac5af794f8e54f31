package api

import "time"

// EncodeCursorForTest makes the cursor of a position, for benchmarks that start deep in a listing.
func EncodeCursorForTest(t time.Time, id int64) string { return cursor{Time: t, ID: id}.encode() }
