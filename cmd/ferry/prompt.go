package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"golang.org/x/term"

	"github.com/ferrysync/ferry/protocol"
)

// terminalPrompter answers the daemon's questions on the controlling terminal.
type terminalPrompter struct{ tty *os.File }

// newTerminalPrompter returns a prompter when stdin is a terminal, nil otherwise (the
// daemon then fails operations that need an answer, saying how to proceed).
func newTerminalPrompter() client.Prompter {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return nil
	}
	return terminalPrompter{tty: os.Stdin}
}

func (t terminalPrompter) HostKey(_ context.Context, p protocol.HostKeyPrompt) (protocol.HostKeyAnswer, error) {
	msg := p.Message
	if msg == "" {
		msg = fmt.Sprintf("The authenticity of host %s (%s) can't be established.\n%s key fingerprint is %s.", p.Host, p.Address, p.KeyType, p.Fingerprint)
	}
	fmt.Fprintln(os.Stderr, msg)
	r := bufio.NewReader(t.tty)
	for {
		fmt.Fprint(os.Stderr, "Are you sure you want to continue connecting (yes/no)? ")
		line, err := r.ReadString('\n')
		if err != nil {
			return protocol.HostKeyAnswer{}, errors.New("no answer")
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "yes":
			return protocol.HostKeyAnswer{Accept: true}, nil
		case "no":
			return protocol.HostKeyAnswer{Accept: false}, nil
		}
		fmt.Fprintln(os.Stderr, "Please type 'yes' or 'no'.")
	}
}

func (t terminalPrompter) Secret(_ context.Context, p protocol.SecretPrompt) (protocol.SecretAnswer, error) {
	prompt := p.Prompt
	if prompt == "" {
		prompt = p.Kind + " for " + p.Host + ":"
	}
	fmt.Fprint(os.Stderr, strings.TrimRight(prompt, " ")+" ")
	if p.Echo {
		line, err := bufio.NewReader(t.tty).ReadString('\n')
		return protocol.SecretAnswer{Value: strings.TrimRight(line, "\r\n")}, err
	}
	b, err := term.ReadPassword(int(t.tty.Fd()))
	fmt.Fprintln(os.Stderr)
	return protocol.SecretAnswer{Value: string(b)}, err
}
