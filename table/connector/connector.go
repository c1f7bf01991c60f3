// Package connector holds the table connectors a CREATE TABLE ... WITH
// ('connector' = '...') names: datagen, filesystem (with the csv and json
// formats), print and blackhole. Each turns the DataStream runtime's
// sources and sinks into sources and sinks of rows.
//
// Each connector's file states its options and semantics; the options
// are Flink's. Validate rejects an unknown key or a bad value with one
// line naming the option, so that a typo fails CREATE TABLE instead of
// being ignored.
package connector

import (
	"fmt"
	"sort"
	"sync"

	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// Table is what a connector sees of a catalog table: its physical columns
// (computed columns and the watermark are the planner's business) and its
// options without 'connector'.
type Table struct {
	Name       string
	Schema     data.Schema
	Options    map[string]string
	PrimaryKey []string
}

// Factory is one connector. Validate runs at CREATE TABLE, so a bad option
// fails the DDL rather than a later job.
type Factory interface {
	Validate(t Table) error
}

// SourceFactory is a connector that can be read.
type SourceFactory interface {
	Factory
	// Bounded reports whether the source ends (a file, datagen with
	// number-of-rows).
	Bounded(t Table) bool
	// Source adds a source of rows holding the physical columns at fields
	// (projection pushdown: the positions in t.Schema, in this order).
	Source(env *stream.Env, t Table, fields []int, name string) (*stream.DataStream[data.Row], error)
}

// SinkFactory is a connector that can be written.
type SinkFactory interface {
	Factory
	// AcceptsChanges reports whether the sink takes updates and deletes
	// (print, blackhole) or inserts only (filesystem); the planner refuses
	// an updating query into an insert-only sink.
	AcceptsChanges() bool
	// Sink adds a sink of rows with t.Schema's columns.
	Sink(in *stream.DataStream[data.Row], t Table, name string) error
}

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a connector known under name; it panics on a repeated
// name, a program error.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[name]; dup {
		panic(fmt.Sprintf("connector %s registered twice", name))
	}
	factories[name] = f
}

// Lookup returns the connector named name.
func Lookup(name string) (Factory, error) {
	mu.RLock()
	defer mu.RUnlock()
	if f, ok := factories[name]; ok {
		return f, nil
	}
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("connector %q: unknown (known: %v)", name, names)
}
