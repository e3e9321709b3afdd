package session

import (
	"fmt"
	"strings"
)

// Selection chooses sessions: by names or identifiers, by a label selector, or all.
// Exactly one of its forms is used.
type Selection struct {
	// Specs are names or identifiers.
	Specs []string
	// LabelSelector is a comma-separated list of key=value, key!=value, key or !key.
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

type labelReq struct {
	key, value string
	op         string // "=", "!=", "exists", "!exists"
}

func parseLabelSelector(sel string) ([]labelReq, error) {
	if sel == "" {
		return nil, nil
	}
	var reqs []labelReq
	for _, part := range strings.Split(sel, ",") {
		part = strings.TrimSpace(part)
		var r labelReq
		switch {
		case strings.Contains(part, "!="):
			k, v, _ := strings.Cut(part, "!=")
			r = labelReq{key: k, value: v, op: "!="}
		case strings.Contains(part, "=="):
			k, v, _ := strings.Cut(part, "==")
			r = labelReq{key: k, value: v, op: "="}
		case strings.Contains(part, "="):
			k, v, _ := strings.Cut(part, "=")
			r = labelReq{key: k, value: v, op: "="}
		case strings.HasPrefix(part, "!"):
			r = labelReq{key: part[1:], op: "!exists"}
		default:
			r = labelReq{key: part, op: "exists"}
		}
		r.key, r.value = strings.TrimSpace(r.key), strings.TrimSpace(r.value)
		if r.key == "" || !labelKeyRE.MatchString(r.key) {
			return nil, fmt.Errorf("invalid label selector %q: use key=value, key!=value, key or !key, separated by commas", sel)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func matchLabels(reqs []labelReq, labels map[string]string) bool {
	for _, r := range reqs {
		v, ok := labels[r.key]
		switch r.op {
		case "=":
			if !ok || v != r.value {
				return false
			}
		case "!=":
			if ok && v == r.value {
				return false
			}
		case "exists":
			if !ok {
				return false
			}
		case "!exists":
			if ok {
				return false
			}
		}
	}
	return true
}
