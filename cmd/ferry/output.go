package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/template"
	"time"

	"github.com/ferrysync/ferry/protocol"
)

// counted writes a count with its noun, singular for one: "1 file", "2 files". The
// plural form is the noun with an "s", or the third argument when given ("entry",
// "entries").
func counted[N int | int64 | uint64](n N, noun string, pluralForm ...string) string {
	if n == 1 {
		return "1 " + noun
	}
	if len(pluralForm) > 0 {
		return fmt.Sprintf("%d %s", n, pluralForm[0])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatProgress describes staging progress in one line: the percentage (of bytes,
// or of files when there are no bytes to move), the counts, the rate and the time
// left at that rate, then the file being received:
//
//	75% (8942/11782 files, 512 MiB/680 MiB, 41 MiB/s, ETA 4s) src/big.bin
func formatProgress(p protocol.StagingProgress) string {
	pct := 100.0
	switch {
	case p.BytesTotal > 0:
		pct = 100 * float64(p.BytesDone) / float64(p.BytesTotal)
	case p.FilesTotal > 0:
		pct = 100 * float64(p.FilesDone) / float64(p.FilesTotal)
	}
	parts := []string{
		fmt.Sprintf("%d/%d %s", p.FilesDone, p.FilesTotal, pluralWord(p.FilesTotal, "file")),
		formatBytes(p.BytesDone) + "/" + formatBytes(p.BytesTotal),
	}
	if p.Rate > 0 {
		parts = append(parts, formatBytes(uint64(p.Rate))+"/s")
		if p.BytesTotal > p.BytesDone {
			parts = append(parts, "ETA "+formatETA(time.Duration(float64(p.BytesTotal-p.BytesDone)/p.Rate*float64(time.Second))))
		}
	}
	// Floored, so 100% means done.
	line := fmt.Sprintf("%d%% (%s)", int(math.Floor(min(pct, 100))), strings.Join(parts, ", "))
	if p.Path != "" {
		line += " " + p.Path
	}
	return line
}

// pluralWord is noun, or its plural for any count but one.
func pluralWord(n uint64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// formatETA writes a remaining time the way people read it: "4s", "2m05s", "1h20m";
// whole seconds, at least one.
func formatETA(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 100*3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return ">99h"
}

// parseTemplate compiles a --template for list commands. Besides text/template's
// functions it has json (an object as compact JSON) and join (strings with a
// separator).
func parseTemplate(text string) (*template.Template, error) {
	t, err := template.New("--template").Funcs(template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join": strings.Join,
	}).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("the --template is not a valid Go template: %s; see https://pkg.go.dev/text/template", strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}

// printTemplate writes the template applied to each item, each output ending with a
// newline (added when the template does not end with one). Nothing is written when
// the template fails on any item.
func printTemplate[T any](w io.Writer, text string, items []T) error {
	t, err := parseTemplate(text)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, it := range items {
		start := out.Len()
		if err := t.Execute(&out, it); err != nil {
			return fmt.Errorf("the --template failed: %s (fields are those of the JSON objects that --json prints, in Go's spelling: .Name, .Status, .Alpha.URL)", strings.TrimPrefix(err.Error(), "template: "))
		}
		if out.Len() > start && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
	}
	_, err = w.Write(out.Bytes())
	return err
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// nonNil makes a nil slice empty, so JSON output reads [] instead of null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
