package models

import (
	"sync"

	"gorm.io/gorm/schema"
)

// sqliteInsertParams bounds the parameters of one INSERT on SQLite. Its driver (glebarez/go-sqlite) finds each
// parameter's value by scanning the statement's arguments, in time growing with the square of their number: a
// broadcast batch of 100 messages (3,000 parameters) spent more time being bound than written.
const sqliteInsertParams = 400

// insertSchemas caches the tables' column counts for insertAll.
var insertSchemas sync.Map

// insertAll adds rows of one table, filling in their ids: one multi-row INSERT on PostgreSQL, as many of at most
// sqliteInsertParams parameters as they need on SQLite.
func insertAll[T any](tx *Tx, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.s.Dialect != SQLite {
		return tx.db.Create(rows).Error
	}
	sch, err := schema.Parse(rows[0], &insertSchemas, tx.db.NamingStrategy)
	if err != nil {
		return err
	}
	return tx.db.CreateInBatches(rows, max(1, sqliteInsertParams/max(len(sch.DBNames), 1))).Error
}
