package ignore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFileLines(t *testing.T) {
	require.Equal(t, []string{"a", "b", "", "c "}, FileLines([]byte("\xef\xbb\xbfa\r\nb\n\nc ")))
	for _, c := range []struct {
		line  string
		inert bool
	}{{"", true}, {"   ", true}, {"# comment", true}, {"#", true}, {`\#hash`, false}, {" #x", false}, {"\t", false}, {"*.o", false}} {
		require.Equal(t, c.inert, Inert(c.line), "%q", c.line)
	}
}
