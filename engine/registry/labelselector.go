package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A label selector is Kubernetes's syntax: requirements separated by commas, each one
// of key=value (key==value is the same), key!=value, key in (v1,v2,...), key notin
// (v1,v2,...), key (the label is set) and !key (it is not). Commas inside the
// parentheses of a set separate its values, not requirements. A session matches when
// its labels meet every requirement; key!=value and key notin (...) are met by a
// session without the label, as in Kubernetes.

// labelOp is how a requirement compares a label.
type labelOp int

const (
	opEquals labelOp = iota
	opNotEquals
	opIn
	opNotIn
	opExists
	opNotExists
)

// labelReq is one requirement of a label selector.
type labelReq struct {
	key    string
	op     labelOp
	values []string // one for opEquals and opNotEquals, one or more for opIn and opNotIn
}

// setReqRE matches "key in (...)" and "key notin (...)"; the key may be anything so
// that a malformed key gets the key's error rather than a general one.
var setReqRE = regexp.MustCompile(`^(\S+)\s+(in|notin)\s*\((.*)\)$`)

// setOpRE finds a set operator used without its parenthesized values.
var setOpRE = regexp.MustCompile(`^\S+\s+(in|notin)\b`)

const selectorForms = "key=value, key!=value, key in (v1,v2), key notin (v1,v2), key or !key, separated by commas"

// parseLabelSelector parses sel into its requirements; the empty selector has none.
func parseLabelSelector(sel string) ([]labelReq, error) {
	if strings.TrimSpace(sel) == "" {
		return nil, nil
	}
	parts, err := splitRequirements(sel)
	if err != nil {
		return nil, fmt.Errorf("invalid label selector %q: %v", sel, err)
	}
	reqs := make([]labelReq, 0, len(parts))
	for _, part := range parts {
		r, err := parseRequirement(part)
		if err != nil {
			return nil, fmt.Errorf("invalid label selector %q: %v", sel, err)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

// splitRequirements splits sel at the commas outside parentheses, and trims each part.
func splitRequirements(sel string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i, c := range sel {
		switch c {
		case '(':
			if depth > 0 {
				return nil, fmt.Errorf("parentheses cannot nest (at character %d)", i+1)
			}
			depth++
		case ')':
			if depth == 0 {
				return nil, fmt.Errorf("')' without '(' (at character %d)", i+1)
			}
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(sel[start:i]))
				start = i + 1
			}
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("'(' is never closed; write the values as key in (v1,v2)")
	}
	parts = append(parts, strings.TrimSpace(sel[start:]))
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("empty requirement (a comma too many?); use %s", selectorForms)
		}
	}
	return parts, nil
}

// parseRequirement parses one trimmed requirement.
func parseRequirement(part string) (labelReq, error) {
	if m := setReqRE.FindStringSubmatch(part); m != nil {
		r := labelReq{key: m[1], op: opIn}
		if m[2] == "notin" {
			r.op = opNotIn
		}
		if err := checkSelectorKey(r.key, part); err != nil {
			return labelReq{}, err
		}
		for v := range strings.SplitSeq(m[3], ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				return labelReq{}, fmt.Errorf("%q: the set of values has an empty member; write key %s (v1,v2)", part, m[2])
			}
			if err := checkSelectorValue(v, part); err != nil {
				return labelReq{}, err
			}
			if !slices.Contains(r.values, v) {
				r.values = append(r.values, v)
			}
		}
		return r, nil
	}
	if strings.ContainsAny(part, "()") {
		return labelReq{}, fmt.Errorf("%q: parentheses belong only after in or notin, as in key in (v1,v2)", part)
	}
	if m := setOpRE.FindStringSubmatch(part); m != nil {
		return labelReq{}, fmt.Errorf("%q: %s needs its values in parentheses, as in key %s (v1,v2)", part, m[1], m[1])
	}
	var r labelReq
	var value string
	switch {
	case strings.Contains(part, "!="):
		r.key, value, _ = strings.Cut(part, "!=")
		r.op = opNotEquals
	case strings.Contains(part, "=="):
		r.key, value, _ = strings.Cut(part, "==")
		r.op = opEquals
	case strings.Contains(part, "="):
		r.key, value, _ = strings.Cut(part, "=")
		r.op = opEquals
	case strings.HasPrefix(part, "!"):
		r.key, r.op = strings.TrimSpace(part[1:]), opNotExists
	default:
		r.key, r.op = part, opExists
	}
	r.key = strings.TrimSpace(r.key)
	if err := checkSelectorKey(r.key, part); err != nil {
		return labelReq{}, err
	}
	if r.op == opEquals || r.op == opNotEquals {
		value = strings.TrimSpace(value)
		if strings.ContainsAny(value, "=!") {
			return labelReq{}, fmt.Errorf("%q: a value cannot contain '=' or '!'; use %s", part, selectorForms)
		}
		if err := checkSelectorValue(value, part); err != nil {
			return labelReq{}, err
		}
		r.values = []string{value}
	}
	return r, nil
}

func checkSelectorKey(key, part string) error {
	if key == "" {
		return fmt.Errorf("%q has no key; use %s", part, selectorForms)
	}
	if !labelKeyRE.MatchString(key) {
		return fmt.Errorf("%q: invalid key %q (letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit); use %s", part, key, selectorForms)
	}
	return nil
}

func checkSelectorValue(value, part string) error {
	if !labelValRE.MatchString(value) {
		return fmt.Errorf("%q: invalid value %q (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)", part, value)
	}
	return nil
}

// matchLabels reports whether labels meet every requirement.
func matchLabels(reqs []labelReq, labels map[string]string) bool {
	for _, r := range reqs {
		v, ok := labels[r.key]
		var met bool
		switch r.op {
		case opEquals:
			met = ok && v == r.values[0]
		case opNotEquals:
			met = !ok || v != r.values[0]
		case opIn:
			met = ok && slices.Contains(r.values, v)
		case opNotIn:
			met = !ok || !slices.Contains(r.values, v)
		case opExists:
			met = ok
		case opNotExists:
			met = !ok
		}
		if !met {
			return false
		}
	}
	return true
}
