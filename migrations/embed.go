// Package migrations holds flowsd's goose SQL migrations for each database dialect, embedded in the binary.
package migrations

import "embed"

// Postgres holds the migrations for PostgreSQL, under postgres/.
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds the migrations for SQLite, under sqlite/.
//
//go:embed sqlite/*.sql
var SQLite embed.FS
