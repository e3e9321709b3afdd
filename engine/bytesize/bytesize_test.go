package bytesize

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Size
	}{
		{"0", 0},
		{"12345", 12345},
		{"100MB", 100_000_000},
		{"100 MB", 100_000_000},
		{"100mb", 100_000_000},
		{"1.5GiB", 1536 << 20},
		{"512k", 512_000},
		{"512K", 512_000},
		{"512KiB", 512 << 10},
		{"512ki", 512 << 10},
		{"2M", 2_000_000},
		{"1.1GB", 1_100_000_000},
		{"0.5B", 1},
		{"0.4B", 0},
		{"1.0000001KiB", 1024},
		{"7B", 7},
		{"3TiB", 3 << 40},
		{"8EiB", 0}, // too large: checked below
		{" 4kB ", 4000},
	} {
		got, err := Parse(c.in)
		if c.in == "8EiB" {
			require.ErrorContains(t, err, `"8EiB" is too large a size`)
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
	}
	max, err := Parse("9223372036854775807")
	require.NoError(t, err)
	require.Equal(t, Size(math.MaxInt64), max)
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"", "12XB", "MB", "-1", "-1MB", "1..5MB", ".5MB", "5.MB", "1e3", "1,000", "10 M B", "0x10", "ten"} {
		_, err := Parse(in)
		require.Error(t, err, "%q", in)
		if in != "" {
			require.EqualError(t, err, `"`+in+`" is not a size: write a number of bytes or one with a unit (100MB, 1.5GiB)`)
		}
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   Size
		want string
	}{
		{0, "0"},
		{1, "1"},
		{1000, "1kB"},
		{1024, "1KiB"},
		{1536, "1536"},
		{1536 << 10, "1.5MiB"},
		{100_000_000, "100MB"},
		{100 << 20, "100MiB"},
		{1536 << 20, "1.5GiB"},
		{1_250_000_000, "1.25GB"},
		{1_000_001, "1000001"},
		{512_000, "512kB"},
	} {
		require.Equal(t, c.want, c.in.String(), "%d", int64(c.in))
	}
}

// What String writes, Parse reads back exactly.
func TestRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 999, 1000, 1023, 1024, 1025, 1536, 4096, 1e6, 1 << 20, 3 << 29, 1<<30 + 1<<28,
		1_100_000_000, 1e12 + 5e10, 1 << 50, 1 << 60, 7 << 60, math.MaxInt64, math.MaxInt64 - 1, 1e18, 9e18} {
		s := Size(n).String()
		back, err := Parse(s)
		require.NoError(t, err, s)
		require.Equal(t, Size(n), back, "%d written as %s", n, s)
	}
}

func TestFlagValue(t *testing.T) {
	var z Size
	require.NoError(t, z.Set("1.5GiB"))
	require.Equal(t, Size(1536<<20), z)
	require.Equal(t, "size", z.Type())
	require.ErrorContains(t, z.Set("12XB"), `"12XB" is not a size`)
	require.Equal(t, Size(1536<<20), z, "a failed Set leaves the value")
}

func TestJSONAndYAML(t *testing.T) {
	var v struct {
		A, B Size
	}
	require.NoError(t, json.Unmarshal([]byte(`{"A": 1048576, "B": "100MB"}`), &v))
	require.Equal(t, [2]Size{1 << 20, 100_000_000}, [2]Size{v.A, v.B})
	out, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, `{"A": 1048576, "B": 100000000}`, string(out))
	require.ErrorContains(t, json.Unmarshal([]byte(`{"A": "12XB"}`), &v), `"12XB" is not a size`)
	require.ErrorContains(t, json.Unmarshal([]byte(`{"A": -3}`), &v), `"-3" is not a size`)

	var y struct {
		A Size `yaml:"a"`
		B Size `yaml:"b"`
		C Size `yaml:"c"`
	}
	require.NoError(t, yaml.Unmarshal([]byte("a: 1048576\nb: 1.5GiB\nc: \"512k\"\n"), &y))
	require.Equal(t, [3]Size{1 << 20, 1536 << 20, 512_000}, [3]Size{y.A, y.B, y.C})
	require.ErrorContains(t, yaml.Unmarshal([]byte("a: 12XB\n"), &y), `"12XB" is not a size`)
}
