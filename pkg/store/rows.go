package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// InsertRows writes rows into db.table in one batch with named columns (the
// insert form ClickHouse 18.16 accepts from clickhouse-go). It is the one
// insert path of the tables whose rows other packages build (authors,
// alerts); a row the driver cannot convert fails as ErrRowRefused, naming
// its position, and nothing of the batch is sent.
func InsertRows(ctx context.Context, conn driver.Conn, db, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s)", db, table, strings.Join(columns, ", ")))
	if err != nil {
		return fmt.Errorf("%w: prepare %s insert: %w", ErrUnavailable, table, err)
	}
	defer b.Abort()
	for i, row := range rows {
		if err := b.Append(row...); err != nil {
			return fmt.Errorf("%w: %s row %d: %w", ErrRowRefused, table, i, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("%s insert of %d rows: %w", table, len(rows), err)
	}
	return nil
}
