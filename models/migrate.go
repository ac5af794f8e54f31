package models

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/flowsd/flowsd/migrations"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
)

func migrationProvider(sqlDB *sql.DB, dialect Dialect) (*goose.Provider, error) {
	var (
		gooseDialect goose.Dialect
		src          fs.FS
		opts         []goose.ProviderOption
		err          error
	)
	switch dialect {
	case Postgres:
		gooseDialect = goose.DialectPostgres
		src, err = fs.Sub(migrations.Postgres, "postgres")
		// several processes starting on one database at once must not migrate it twice
		locker, lerr := lock.NewPostgresSessionLocker()
		if lerr != nil {
			return nil, lerr
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	case SQLite:
		gooseDialect = goose.DialectSQLite3
		src, err = fs.Sub(migrations.SQLite, "sqlite")
	default:
		return nil, fmt.Errorf("no migrations for dialect %q", dialect)
	}
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, sqlDB, src, opts...)
}

// Migrate applies every pending migration and returns how many it applied.
func Migrate(ctx context.Context, db *gorm.DB, dialect Dialect) (int, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return 0, err
	}
	provider, err := migrationProvider(sqlDB, dialect)
	if err != nil {
		return 0, err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("migrating %s database: %w", dialect, err)
	}
	return len(results), nil
}
