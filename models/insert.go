package models

import (
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// sqliteInsertParams bounds the parameters of one INSERT on SQLite. Its driver (glebarez/go-sqlite) finds each
// parameter's value by scanning the statement's arguments, in time growing with the square of their number: a
// broadcast batch of 100 messages (3,000 parameters) spent more time being bound than written.
const sqliteInsertParams = 400

// insertSchemas caches the tables' column counts for InsertRows.
var insertSchemas sync.Map

// insertAll adds rows of one table in the transaction, filling in their ids (InsertRows).
func insertAll[T any](tx *Tx, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	return InsertRows(tx.db, rows)
}

// InsertRows adds a slice of rows of one table on db, filling in their ids: one multi-row INSERT on
// PostgreSQL, as many of at most sqliteInsertParams parameters as they need on SQLite. (The store's writes use
// it through their transactions; it is exported for the benchmarks' storage floor, testdb.SendFloor.)
func InsertRows(db *gorm.DB, rows any) error {
	if db.Dialector.Name() != "sqlite" {
		return db.Create(rows).Error
	}
	sch, err := schema.Parse(rows, &insertSchemas, db.NamingStrategy)
	if err != nil {
		return err
	}
	return db.CreateInBatches(rows, max(1, sqliteInsertParams/max(len(sch.DBNames), 1))).Error
}
