package coordinator

import (
	"errors"
	"reflect"
	"testing"
)

func TestApplyCatalogEntries(t *testing.T) {
	f := NewFSM()
	e := CatalogEntry{Name: "default_catalog.default_database.bid", Data: []byte{1}}
	l := makeLog(t, PutCatalogEntryType, PutCatalogEntryRequest{Entry: e, Create: true})
	l.Index = 7
	if got := f.Apply(l); got != uint64(7) {
		t.Fatalf("create returned %v; want the log index", got)
	}
	if got, _ := f.CatalogEntry(e.Name); got.Version != 7 || !reflect.DeepEqual(got.Data, e.Data) {
		t.Fatalf("entry = %+v", got)
	}
	if err, _ := f.Apply(makeLog(t, PutCatalogEntryType, PutCatalogEntryRequest{Entry: e, Create: true})).(error); !errors.Is(err, ErrCatalogExists) {
		t.Fatalf("second create: %v; want ErrCatalogExists", err)
	}
	e.Data = []byte{2}
	f.Apply(makeLog(t, PutCatalogEntryType, PutCatalogEntryRequest{Entry: e}))
	if got, _ := f.CatalogEntry(e.Name); got.Data[0] != 2 {
		t.Fatalf("replace kept %v", got.Data)
	}
	if names := f.CatalogNames(); len(names) != 1 || names[0] != e.Name {
		t.Fatalf("names = %v", names)
	}
	f.Apply(makeLog(t, DeleteCatalogEntryType, DeleteCatalogEntryRequest{Name: e.Name}))
	if _, ok := f.CatalogEntry(e.Name); ok {
		t.Fatal("entry survived its delete")
	}
	if err, _ := f.Apply(makeLog(t, DeleteCatalogEntryType, DeleteCatalogEntryRequest{Name: e.Name})).(error); !errors.Is(err, ErrCatalogNotFound) {
		t.Fatalf("delete of a missing entry: %v; want ErrCatalogNotFound", err)
	}
}
