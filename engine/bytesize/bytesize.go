// Package bytesize reads and writes sizes in bytes as people write them: "100MB",
// "1.5GiB", "512k", or a plain number of bytes.
//
// Invariants:
//   - Units follow the usual convention (as github.com/dustin/go-humanize and Mutagen
//     read them): k, M, G, T, P, E (with or without a trailing B) are powers of 1000;
//     Ki, Mi, Gi, Ti, Pi, Ei (with or without B) are powers of 1024. Units are read
//     case-insensitively; a space may separate the number from its unit.
//   - Parsing is exact: the number is read as a decimal fraction, multiplied by its unit
//     without floating point, and rounded to the nearest byte, so "1.1GB" is exactly
//     1100000000 bytes.
//   - String writes the shortest form that Parse reads back to the very same number of
//     bytes: 104857600 is "100MiB", 100000000 is "100MB", 1000001 is "1000001".
//   - A Size is never negative and at most math.MaxInt64 bytes.
package bytesize

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Size is a number of bytes. Its zero value is 0 bytes (which options read as "no
// limit"). It is a flag value (the pflag.Value methods) and reads from JSON and YAML
// as a number of bytes or a string with a unit.
type Size int64

// units maps each unit Parse reads, lowercased, to its number of bytes.
var units = unitTable()

// unitNames are the units String writes, largest first within each family.
var unitNames = []struct {
	name  string
	bytes int64
}{
	{"EiB", 1 << 60}, {"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"EB", 1e18}, {"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3},
}

func unitTable() map[string]int64 {
	out := map[string]int64{"": 1, "b": 1}
	dec, bin := int64(1), int64(1)
	for _, p := range []string{"k", "m", "g", "t", "p", "e"} {
		dec, bin = dec*1000, bin*1024
		out[p], out[p+"b"] = dec, dec
		out[p+"i"], out[p+"ib"] = bin, bin
	}
	return out
}

// Parse reads a size: a number of bytes, or a number (possibly with a fraction) and a
// unit.
func Parse(s string) (Size, error) {
	text := strings.TrimSpace(s)
	end := 0
	for end < len(text) && (text[end] >= '0' && text[end] <= '9' || text[end] == '.') {
		end++
	}
	number, unit := text[:end], strings.ToLower(strings.TrimSpace(text[end:]))
	per, known := units[unit]
	value, ok := new(big.Rat).SetString(number)
	if number == "" || strings.Count(number, ".") > 1 || number[0] == '.' || number[len(number)-1] == '.' || !ok || !known {
		return 0, fmt.Errorf("%q is not a size: write a number of bytes or one with a unit (100MB, 1.5GiB)", s)
	}
	value.Mul(value, new(big.Rat).SetInt64(per))
	// Round to the nearest byte: floor(value + 1/2).
	value.Add(value, big.NewRat(1, 2))
	n := new(big.Int).Quo(value.Num(), value.Denom())
	if !n.IsInt64() {
		return 0, fmt.Errorf("%q is too large a size: the largest is %s", s, Size(math.MaxInt64))
	}
	return Size(n.Int64()), nil
}

// String writes the size in its shortest exact form: "0", "1536", "1.5MiB", "100MB".
func (z Size) String() string {
	best, plain := strconv.FormatInt(int64(z), 10), true
	if z <= 0 {
		return best
	}
	for _, u := range unitNames {
		if int64(z) < u.bytes {
			continue
		}
		// A unit wins over plain bytes of the same length: "1KiB", not "1024".
		if s, ok := exactIn(int64(z), u.bytes); ok && (len(s+u.name) < len(best) || plain && len(s+u.name) == len(best)) {
			best, plain = s+u.name, false
		}
	}
	return best
}

// exactIn writes n bytes as a number of units of per bytes, with at most two decimals;
// ok is false when that is not exact.
func exactIn(n, per int64) (string, bool) {
	whole, rest := n/per, n%per
	if rest == 0 {
		return strconv.FormatInt(whole, 10), true
	}
	for _, d := range []struct {
		scale  int64
		format string
	}{{10, "%d.%01d"}, {100, "%d.%02d"}} {
		if rest <= math.MaxInt64/d.scale && rest*d.scale%per == 0 {
			return fmt.Sprintf(d.format, whole, rest*d.scale/per), true
		}
	}
	return "", false
}

// Set implements pflag.Value.
func (z *Size) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// Type implements pflag.Value: the word that help shows for the flag's value.
func (z *Size) Type() string { return "size" }

// MarshalText implements encoding.TextMarshaler (the form String writes).
func (z Size) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (z *Size) UnmarshalText(b []byte) error { return z.Set(string(b)) }

// MarshalJSON writes the number of bytes, so that programs read it without this
// package.
func (z Size) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatInt(int64(z), 10)), nil }

// UnmarshalJSON reads a number of bytes or a string with a unit.
func (z *Size) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	return z.Set(s)
}

// UnmarshalYAML reads a number of bytes or a string with a unit (yaml.v3 and yaml.v2
// call it; it needs neither imported).
func (z *Size) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	return z.Set(s)
}
