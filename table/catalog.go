package table

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/table/connector"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// Errors of catalog lookups and changes; IF [NOT] EXISTS tests for them.
var (
	ErrTableNotFound = errors.New("table not found")
	ErrTableExists   = errors.New("table already exists")
)

// CatalogColumn is a column as CREATE TABLE declares it: physical, or
// computed from the physical columns (Expr set).
type CatalogColumn struct {
	Name string     `msgpack:"n"`
	Type data.Type  `msgpack:"t"`
	Expr *expr.Expr `msgpack:"e,omitempty"`
	// SQL is the computed column's expression as written, for DESCRIBE.
	SQL string `msgpack:"q,omitempty"`
}

// WatermarkSpec is a table's WATERMARK FOR Column AS Expr.
type WatermarkSpec struct {
	Column string     `msgpack:"c"`
	Expr   *expr.Expr `msgpack:"e"`
	SQL    string     `msgpack:"q,omitempty"`
}

// CatalogTable is a table as CREATE TABLE declared it (Flink's
// CatalogTable): columns, watermark, primary key and connector options.
type CatalogTable struct {
	Name       string            `msgpack:"name"`
	Columns    []CatalogColumn   `msgpack:"cols"`
	Watermark  *WatermarkSpec    `msgpack:"wm,omitempty"`
	PrimaryKey []string          `msgpack:"pk,omitempty"`
	Options    map[string]string `msgpack:"opts"`
	Comment    string            `msgpack:"comment,omitempty"`
}

// catalogVersion leads an encoded table, so that a later binary can read
// what an older one stored in Raft.
const catalogVersion = 1

// EncodeTable is t as a catalog entry's bytes.
func EncodeTable(t *CatalogTable) ([]byte, error) {
	b, err := msgpack.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode table %s: %w", t.Name, err)
	}
	return append([]byte{catalogVersion}, b...), nil
}

// DecodeTable reads a catalog entry EncodeTable wrote.
func DecodeTable(b []byte) (*CatalogTable, error) {
	if len(b) == 0 || b[0] != catalogVersion {
		return nil, fmt.Errorf("decode table: unknown catalog format")
	}
	var t CatalogTable
	if err := msgpack.Unmarshal(b[1:], &t); err != nil {
		return nil, fmt.Errorf("decode table: %w", err)
	}
	return &t, nil
}

// Physical is the schema of the columns the connector reads or writes.
func (t *CatalogTable) Physical() data.Schema {
	var s data.Schema
	for _, c := range t.Columns {
		if c.Expr == nil {
			s.Columns = append(s.Columns, data.Column{Name: c.Name, Type: c.Type})
		}
	}
	return s
}

// Schema is the table's full schema as queries see it, the watermark's
// column marked as the rowtime attribute.
func (t *CatalogTable) Schema() data.Schema {
	var s data.Schema
	for _, c := range t.Columns {
		typ := c.Type
		if t.Watermark != nil && c.Name == t.Watermark.Column {
			typ.Time = data.Rowtime
		}
		s.Columns = append(s.Columns, data.Column{Name: c.Name, Type: typ})
	}
	return s
}

// ConnectorTable is what the table's connector sees of it.
func (t *CatalogTable) ConnectorTable() connector.Table {
	opts := maps.Clone(t.Options)
	delete(opts, "connector")
	return connector.Table{Name: t.Name, Schema: t.Physical(), Options: opts, PrimaryKey: t.PrimaryKey}
}

// Connector is the table's connector factory.
func (t *CatalogTable) Connector() (connector.Factory, error) {
	name, ok := t.Options["connector"]
	if !ok {
		return nil, fmt.Errorf("table %s: option 'connector' is required", t.Name)
	}
	f, err := connector.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	return f, nil
}

// SourceFactory is the table's connector, which must be readable.
func (t *CatalogTable) SourceFactory() (connector.SourceFactory, error) {
	f, err := t.Connector()
	if err != nil {
		return nil, err
	}
	sf, ok := f.(connector.SourceFactory)
	if !ok {
		return nil, fmt.Errorf("table %s: connector %s cannot be read", Qualified(t.Name), t.Options["connector"])
	}
	return sf, nil
}

// SinkFactory is the table's connector, which must be writable.
func (t *CatalogTable) SinkFactory() (connector.SinkFactory, error) {
	f, err := t.Connector()
	if err != nil {
		return nil, err
	}
	sf, ok := f.(connector.SinkFactory)
	if !ok {
		return nil, fmt.Errorf("table %s: connector %s cannot be written", Qualified(t.Name), t.Options["connector"])
	}
	return sf, nil
}

// Resolve checks a declared table and fills in the computed columns' and
// the watermark's types, so that a bad DDL fails at CREATE and not in a
// later job: names unique, types in range, computed columns over physical
// columns only (as Flink), a watermark on a TIMESTAMP or TIMESTAMP_LTZ
// column of precision up to 3 in the form the runtime supports, primary
// key columns present, the connector known and its options valid.
func (t *CatalogTable) Resolve(opts expr.Options) error {
	phys := t.Physical()
	for i, c := range t.Columns {
		if c.Expr == nil {
			if err := c.Type.Check(); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			continue
		}
		r, err := expr.Resolve(c.Expr, phys, opts)
		if err != nil {
			return fmt.Errorf("computed column %s: %w", c.Name, err)
		}
		t.Columns[i].Expr, t.Columns[i].Type = r, r.Type
	}
	if err := t.Schema().CheckNames(); err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	if wm := t.Watermark; wm != nil {
		if err := t.resolveWatermark(opts); err != nil {
			return fmt.Errorf("table %s: WATERMARK FOR %s: %w", t.Name, wm.Column, err)
		}
	}
	s := t.Schema()
	for _, k := range t.PrimaryKey {
		if i := s.Index(k); i < 0 {
			return fmt.Errorf("table %s: primary key column %s is not a column", t.Name, k)
		}
	}
	f, err := t.Connector()
	if err != nil {
		return err
	}
	if err := f.Validate(t.ConnectorTable()); err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	return nil
}

func (t *CatalogTable) resolveWatermark(opts expr.Options) error {
	wm := t.Watermark
	s := t.Schema()
	i := s.Index(wm.Column)
	if i < 0 {
		return fmt.Errorf("column %s not found", wm.Column)
	}
	ct := s.Columns[i].Type
	if !ct.IsTimestamp() || ct.Prec > 3 {
		return fmt.Errorf("the rowtime column must be TIMESTAMP(p) or TIMESTAMP_LTZ(p) with p at most 3, not %s", ct.Plain())
	}
	plain := data.Schema{Columns: slices.Clone(s.Columns)}
	plain.Columns[i].Type = ct.Plain()
	r, err := expr.Resolve(wm.Expr, plain, opts)
	if err != nil {
		return err
	}
	if r.Type.Kind != ct.Kind {
		return fmt.Errorf("the watermark expression is %s; want %s", r.Type.Plain(), ct.Kind)
	}
	if _, err := watermarkDelay(r, i); err != nil {
		return err
	}
	wm.Expr = r
	return nil
}

// Catalog is where tables live. The cluster's is kept in Raft (every node
// sees the same tables, and they survive restarts); MemCatalog serves a
// program that declares its tables in code.
type Catalog interface {
	Table(ctx context.Context, name string) (*CatalogTable, error)
	CreateTable(ctx context.Context, t *CatalogTable, ignoreIfExists bool) error
	DropTable(ctx context.Context, name string, ignoreIfNotExists bool) error
	Tables(ctx context.Context) ([]string, error)
}

// MemCatalog is a Catalog in memory.
type MemCatalog struct {
	mu     sync.Mutex
	tables map[string]*CatalogTable
}

// NewMemCatalog is an empty in-memory catalog.
func NewMemCatalog() *MemCatalog { return &MemCatalog{tables: map[string]*CatalogTable{}} }

func (c *MemCatalog) Table(_ context.Context, name string) (*CatalogTable, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tables[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%s: %w", name, ErrTableNotFound)
}

func (c *MemCatalog) CreateTable(_ context.Context, t *CatalogTable, ignoreIfExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tables[t.Name]; ok {
		if ignoreIfExists {
			return nil
		}
		return fmt.Errorf("%s: %w", t.Name, ErrTableExists)
	}
	c.tables[t.Name] = t
	return nil
}

func (c *MemCatalog) DropTable(_ context.Context, name string, ignoreIfNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tables[name]; !ok {
		if ignoreIfNotExists {
			return nil
		}
		return fmt.Errorf("%s: %w", name, ErrTableNotFound)
	}
	delete(c.tables, name)
	return nil
}

func (c *MemCatalog) Tables(context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.tables)), nil
}
