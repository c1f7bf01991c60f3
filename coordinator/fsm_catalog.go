package coordinator

import (
	"errors"
	"fmt"
	"sort"
)

// Catalog errors, returned as values by the FSM so that a caller can honour
// IF [NOT] EXISTS.
var (
	ErrCatalogExists   = errors.New("already exists")
	ErrCatalogNotFound = errors.New("not found")
)

// PutCatalogEntryRequest stores a catalog object. With Create it is refused
// when the name is taken (CREATE TABLE); without, it replaces.
type PutCatalogEntryRequest struct {
	Entry  CatalogEntry `msgpack:"entry"`
	Create bool         `msgpack:"create,omitempty"`
}

// DeleteCatalogEntryRequest drops a catalog object; refused when absent.
type DeleteCatalogEntryRequest struct {
	Name string `msgpack:"name"`
}

// applyPutCatalogEntry stamps the entry with the log index as its version,
// so every replica gives the same object the same version.
func (f *FSM) applyPutCatalogEntry(body []byte, index uint64) any {
	var req PutCatalogEntryRequest
	decodeBody(body, index, PutCatalogEntryType, &req)
	if req.Entry.Name == "" {
		return errors.New("catalog entry without a name")
	}
	if _, ok := f.state.Catalog[req.Entry.Name]; ok && req.Create {
		return fmt.Errorf("%s: %w", req.Entry.Name, ErrCatalogExists)
	}
	req.Entry.Version = index
	f.state.Catalog[req.Entry.Name] = req.Entry
	return index
}

func (f *FSM) applyDeleteCatalogEntry(body []byte, index uint64) any {
	var req DeleteCatalogEntryRequest
	decodeBody(body, index, DeleteCatalogEntryType, &req)
	if _, ok := f.state.Catalog[req.Name]; !ok {
		return fmt.Errorf("%s: %w", req.Name, ErrCatalogNotFound)
	}
	delete(f.state.Catalog, req.Name)
	return index
}

// CatalogEntry returns the catalog object named name as this replica has
// applied it.
func (f *FSM) CatalogEntry(name string) (CatalogEntry, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	e, ok := f.state.Catalog[name]
	return e, ok
}

// CatalogNames lists the catalog's object names in order.
func (f *FSM) CatalogNames() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	names := make([]string, 0, len(f.state.Catalog))
	for n := range f.state.Catalog {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
