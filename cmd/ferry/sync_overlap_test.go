package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

func TestConfirmOverlap(t *testing.T) {
	const msg = "alpha (/a/b) lies inside alpha of session web (/a); ... pass --force (force in the API) to create it anyway"
	tests := []struct {
		name, answer string
		tty          bool
		wantErr      string // "" for a yes
	}{
		{"no terminal", "y\n", false, "pass --force"},
		{"y", "y\n", true, ""},
		{"yes in capitals", "YES\n", true, ""},
		{"enter is no", "\n", true, "session not created"},
		{"n", "n\n", true, "session not created"},
		{"anything else is no", "sure\n", true, "session not created"},
		{"end of input is no", "", true, "session not created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := confirmOverlap(strings.NewReader(tt.answer), &out, tt.tty, msg)
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
			if tt.tty {
				require.Contains(t, out.String(), "Warning: "+msg+".\nCreate it anyway? [y/N] ")
			} else {
				require.Empty(t, out.String(), "nothing is asked without a terminal")
				require.EqualError(t, err, msg)
			}
		})
	}
}

func TestOverlapMessage(t *testing.T) {
	msg, ok := overlapMessage(fmt.Errorf("call: %w", &jsonrpc2.Error{Code: protocol.CodeOverlap, Message: "overlaps"}))
	require.True(t, ok)
	require.Equal(t, "overlaps", msg)
	_, ok = overlapMessage(&jsonrpc2.Error{Code: protocol.CodeExists, Message: "exists"})
	require.False(t, ok)
	_, ok = overlapMessage(errors.New("other"))
	require.False(t, ok)
}
