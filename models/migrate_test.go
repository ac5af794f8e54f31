package models_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// column is what both dialects must agree on: a column's name, its kind of type and whether it takes NULL.
type column struct {
	Name     string
	Kind     string
	Nullable bool
}

// typeKind folds each dialect's type names into the kind of value they hold.
func typeKind(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"), t == "bigserial", t == "serial":
		return "integer"
	case strings.Contains(t, "char"), t == "text":
		return "text"
	case strings.Contains(t, "bool"):
		return "boolean"
	case strings.Contains(t, "timestamp"), t == "datetime":
		return "datetime"
	}
	return t
}

func schema(t *testing.T, dialect models.Dialect, db *gorm.DB) map[string][]column {
	t.Helper()
	tables := map[string][]column{}
	switch dialect {
	case models.Postgres:
		var rows []struct {
			TableName, ColumnName, DataType, IsNullable string
		}
		err := db.Raw(`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name, ordinal_position`).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			tables[r.TableName] = append(tables[r.TableName], column{r.ColumnName, typeKind(r.DataType), r.IsNullable == "YES"})
		}
	case models.SQLite:
		var names []string
		err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`).Scan(&names).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			var cols []struct {
				Name    string
				Type    string
				Notnull int
				Pk      int
			}
			if err := db.Raw("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", name).Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				// a SQLite INTEGER PRIMARY KEY can't hold NULL even without NOT NULL
				tables[name] = append(tables[name], column{c.Name, typeKind(c.Type), c.Notnull == 0 && c.Pk == 0})
			}
		}
	}
	return tables
}

func indexes(t *testing.T, dialect models.Dialect, db *gorm.DB) []string {
	t.Helper()
	var names []string
	q := `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND tablename <> 'goose_db_version'`
	if dialect == models.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`
	}
	if err := db.Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// TestMigrationsMatch proves both dialects' migrations give the same tables, columns and named indexes.
func TestMigrationsMatch(t *testing.T) {
	testdb.RequirePostgres(t)
	got := map[models.Dialect]map[string][]column{}
	idx := map[models.Dialect][]string{}
	for _, d := range testdb.Dialects() {
		db := testdb.New(t, d, nil, nil)
		got[d] = schema(t, d, db.Raw)
		idx[d] = indexes(t, d, db.Raw)
	}

	pg, lite := got[models.Postgres], got[models.SQLite]
	if len(pg) == 0 {
		t.Fatal("no tables found")
	}
	for table, cols := range pg {
		other, ok := lite[table]
		if !ok {
			t.Errorf("table %s is missing on SQLite", table)
			continue
		}
		if len(cols) != len(other) {
			t.Errorf("table %s: postgres has %d columns, sqlite %d", table, len(cols), len(other))
			continue
		}
		for i := range cols {
			if cols[i] != other[i] {
				t.Errorf("table %s column %d: postgres %+v, sqlite %+v", table, i, cols[i], other[i])
			}
		}
	}
	for table := range lite {
		if _, ok := pg[table]; !ok {
			t.Errorf("table %s is missing on PostgreSQL", table)
		}
	}
	if strings.Join(idx[models.Postgres], ",") != strings.Join(idx[models.SQLite], ",") {
		t.Errorf("indexes differ:\npostgres %v\nsqlite   %v", idx[models.Postgres], idx[models.SQLite])
	}
}

// TestMigrateTwice proves migrating an up-to-date database does nothing.
func TestMigrateTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		n, err := testdb.New(t, d, nil, nil).Store.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migration applied %d (err %v), want 0", n, err)
		}
	})
}
