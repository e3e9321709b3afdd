package project

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong in a project file.
type Problem struct {
	// Line is where, 1-based; 0 for the file as a whole.
	Line int `json:"line"`
	// Message says what is wrong and what to write instead.
	Message string `json:"message"`
}

// Error is every problem of a project file, in file order.
type Error struct {
	File     string    `json:"file"`
	Problems []Problem `json:"problems"`
}

// Error formats one "FILE:LINE: message" line per problem.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Line > 0 {
			lines[i] = fmt.Sprintf("%s:%d: %s", e.File, p.Line, p.Message)
		} else {
			lines[i] = fmt.Sprintf("%s: %s", e.File, p.Message)
		}
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems of one file.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as an *Error, or nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Line < list[j].Line })
	return &Error{File: ps.file, Problems: list}
}

// unknownKey describes an unknown key: a near miss is named, otherwise the keys that
// exist are listed.
func unknownKey(where, key string, known []string) string {
	if s := closest(key, known); s != "" {
		return fmt.Sprintf("%sunknown key %q; did you mean %q?", where, key, s)
	}
	return fmt.Sprintf("%sunknown key %q; the keys are %s", where, key, strings.Join(known, ", "))
}

// closest returns the known word within two edits of w (case aside), if any.
func closest(w string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(k, w) {
			return k
		}
		if d := distance(strings.ToLower(w), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
