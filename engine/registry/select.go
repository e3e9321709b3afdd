package registry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Selection chooses sessions: by names or identifiers, by a label selector, or all.
// Exactly one of its forms is used.
type Selection struct {
	// Specs are names or identifiers.
	Specs []string
	// LabelSelector is a comma-separated list of requirements, all of which a session's
	// labels must meet: key=value (or key==value), key!=value, key in (v1,v2), key
	// notin (v1,v2), key or !key.
	LabelSelector string
	// All selects every session.
	All bool
}

// Validate checks that the selection uses exactly one form and parses.
func (s Selection) Validate() error {
	forms := 0
	if len(s.Specs) > 0 {
		forms++
	}
	if s.LabelSelector != "" {
		forms++
	}
	if s.All {
		forms++
	}
	if forms != 1 {
		return fmt.Errorf("select sessions by name or identifier, by --label-selector, or with --all (exactly one)")
	}
	_, err := parseLabelSelector(s.LabelSelector)
	return err
}

// Identity is what a selection looks at in an item.
type Identity struct {
	ID, Name  string
	Labels    map[string]string
	CreatedAt time.Time
}

// Select returns the items sel chooses, in creation order. An empty selection chooses
// every item when allowEmpty is set; otherwise a selection that matches nothing is an
// error. kind ("sync", "forward") names the list command in messages.
func Select[T comparable](items []T, identity func(T) Identity, sel Selection, allowEmpty bool, kind string) ([]T, error) {
	if allowEmpty && len(sel.Specs) == 0 && sel.LabelSelector == "" && !sel.All {
		sel.All = true
	}
	if err := sel.Validate(); err != nil {
		return nil, Errorf(ErrInvalid, "%v", err)
	}
	reqs, _ := parseLabelSelector(sel.LabelSelector)
	ids := make(map[T]Identity, len(items))
	for _, it := range items {
		ids[it] = identity(it)
	}
	all := slices.Clone(items)
	slices.SortFunc(all, func(a, b T) int {
		if d := ids[a].CreatedAt.Compare(ids[b].CreatedAt); d != 0 {
			return d
		}
		return strings.Compare(ids[a].ID, ids[b].ID)
	})
	switch {
	case sel.All:
		return all, nil
	case sel.LabelSelector != "":
		var out []T
		for _, it := range all {
			if matchLabels(reqs, ids[it].Labels) {
				out = append(out, it)
			}
		}
		if len(out) == 0 && !allowEmpty {
			return nil, Errorf(ErrNotFound, "no session matches the label selector %q; \"ferry %s list\" shows the sessions and their labels", sel.LabelSelector, kind)
		}
		return out, nil
	}
	var out []T
	for _, want := range sel.Specs {
		found := false
		for _, it := range all {
			if id := ids[it]; id.ID == want || (id.Name != "" && id.Name == want) {
				if !slices.Contains(out, it) {
					out = append(out, it)
				}
				found = true
			}
		}
		if !found {
			return nil, Errorf(ErrNotFound, "no session named or identified %q; \"ferry %s list\" shows the sessions", want, kind)
		}
	}
	return out, nil
}

// Each runs fn on every item, and returns the errors joined, each prefixed with its
// item's label.
func Each[T any](items []T, label func(T) string, fn func(T) error) error {
	var errs []error
	for _, it := range items {
		if err := fn(it); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label(it), err))
		}
	}
	return errors.Join(errs...)
}

// StopAll runs stop on every item at once and waits for them all.
func StopAll[T any](items []T, stop func(T)) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Go(func() { stop(it) })
	}
	wg.Wait()
}
