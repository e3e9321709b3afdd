package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
)

// overlapMessage returns the daemon's message when err refuses a create because a
// folder overlaps another session's (protocol.CodeOverlap), and ok.
func overlapMessage(err error) (msg string, ok bool) {
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == protocol.CodeOverlap {
		return rpcErr.Message, true
	}
	return "", false
}

// confirmOverlap asks whether to create a session whose folders overlap another
// session's; msg is the daemon's explanation. The answer is no unless it is y or yes.
// Without a terminal to ask on it returns the refusal, which says to pass --force.
func confirmOverlap(in io.Reader, out io.Writer, tty bool, msg string) error {
	if !tty {
		return errors.New(msg)
	}
	fmt.Fprintf(out, "Warning: %s.\nCreate it anyway? [y/N] ", msg)
	line, err := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	if err != nil && strings.TrimSpace(line) == "" {
		fmt.Fprintln(out)
	}
	return errors.New("session not created")
}
