package ssh

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyVerifier checks the key a server presents against the known_hosts
// files of one HostConfig, asking the Prompter about unknown keys.
type hostKeyVerifier struct {
	ctx     context.Context
	hc      *HostConfig
	p       Prompter
	address string                // "host:port" as known_hosts names it
	check   gossh.HostKeyCallback // nil when no known_hosts file exists
	known   []knownhosts.KnownKey // the keys known for address

	// beforeCheck runs first in callback (Dial lifts the connect
	// deadline there, so that the user can take their time).
	beforeCheck func()
	// err is what callback returned, for Dial's error message.
	err error
}

// newHostKeyVerifier reads the known_hosts files of hc. Missing files are
// skipped; a file that cannot be read or has no valid line is an error.
func newHostKeyVerifier(ctx context.Context, hc *HostConfig, p Prompter) (*hostKeyVerifier, error) {
	v := &hostKeyVerifier{ctx: ctx, hc: hc, p: p, address: hc.Address()}
	var files []string
	for _, f := range append(append([]string(nil), hc.UserKnownHostsFiles...), hc.GlobalKnownHostsFiles...) {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, configError("known hosts file %s cannot be read: %v; fix its permissions", displayFile(f), err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return v, nil
	}
	check, err := knownhosts.New(files...)
	if err != nil {
		return nil, configError("known hosts files (%s) cannot be used: %v; fix or remove the bad lines", strings.Join(displayFiles(files), ", "), err)
	}
	v.check = check
	// knownhosts has no lookup; checking a key nobody has lists the known
	// ones in the KeyError.
	var ke *knownhosts.KeyError
	if errors.As(check(v.address, zeroAddr, probeKey()), &ke) {
		v.known = ke.Want
	}
	return v, nil
}

// probeKey is a public key that no host has (from an all-zero seed). Made on first use:
// deriving it initializes ed25519's tables, milliseconds that every CLI command would
// otherwise pay at start-up.
var probeKey = sync.OnceValue(func() gossh.PublicKey {
	k, _ := gossh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	return k
})

var zeroAddr = &net.TCPAddr{IP: net.IPv4zero}

// knownKeys are the public keys known_hosts holds for the host.
func (v *hostKeyVerifier) knownKeys() []gossh.PublicKey {
	keys := make([]gossh.PublicKey, len(v.known))
	for i, k := range v.known {
		keys[i] = k.Key
	}
	return keys
}

// callback is the ssh.HostKeyCallback.
func (v *hostKeyVerifier) callback(_ string, remote net.Addr, key gossh.PublicKey) error {
	if v.beforeCheck != nil {
		v.beforeCheck()
	}
	v.err = v.verify(remote, key)
	return v.err
}

func (v *hostKeyVerifier) verify(remote net.Addr, key gossh.PublicKey) error {
	if remote == nil {
		remote = zeroAddr
	}
	var err error = &knownhosts.KeyError{}
	if v.check != nil {
		err = v.check(v.address, remote, key)
	}
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return newError(ErrHostKeyChanged, err, "host key for %s is revoked (%s); ferry will not connect: ask the server's administrator for its current key",
			v.hc.Alias, lineRef([]knownhosts.KnownKey{re.Revoked}))
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return v.changed(key, ke.Want)
	case errors.As(err, &ke):
		return v.unknown(key)
	}
	return newError(ErrHostKeyChanged, err, "host key for %s cannot be verified: %v", v.hc.Alias, err)
}

// changed explains a mismatch, naming the known_hosts lines to look at.
func (v *hostKeyVerifier) changed(key gossh.PublicKey, want []knownhosts.KnownKey) error {
	var sameType []knownhosts.KnownKey
	for _, k := range want {
		if k.Key.Type() == key.Type() {
			sameType = append(sameType, k)
		}
	}
	that := "that line"
	if len(sameType) > 1 || len(sameType) == 0 && len(want) > 1 {
		that = "those lines"
	}
	if len(sameType) == 0 {
		return newError(ErrHostKeyChanged, nil, "host key for %s changed: the server presented a %s key (%s), but known_hosts (%s) has only other key types for it; if the server was reinstalled, remove %s",
			v.hc.Alias, key.Type(), gossh.FingerprintSHA256(key), lineRef(want), that)
	}
	return newError(ErrHostKeyChanged, nil, "host key for %s changed (%s): if the server was reinstalled, remove %s; it now presents %s key %s",
		v.hc.Alias, lineRef(sameType), that, key.Type(), gossh.FingerprintSHA256(key))
}

// lineRef names known_hosts lines: "~/.ssh/known_hosts line 12",
// "~/.ssh/known_hosts lines 3, 7".
func lineRef(keys []knownhosts.KnownKey) string {
	var order []string
	lines := map[string][]string{}
	for _, k := range keys {
		f := displayFile(k.Filename)
		if _, ok := lines[f]; !ok {
			order = append(order, f)
		}
		lines[f] = append(lines[f], fmt.Sprint(k.Line))
	}
	parts := make([]string, len(order))
	for i, f := range order {
		word := "line"
		if len(lines[f]) > 1 {
			word = "lines"
		}
		parts[i] = fmt.Sprintf("%s %s %s", f, word, strings.Join(lines[f], ", "))
	}
	return strings.Join(parts, "; ")
}

// unknown applies StrictHostKeyChecking, asking the Prompter if it says so.
func (v *hostKeyVerifier) unknown(key gossh.PublicKey) error {
	fp := gossh.FingerprintSHA256(key)
	refuse := func(why string) error {
		return newError(ErrHostKeyUnknown, nil, `host key for %s is not known (fingerprint %s); run "ssh %s" once to accept it, or answer yes when ferry asks%s`,
			v.hc.Alias, fp, v.hc.Alias, why)
	}
	switch v.hc.StrictHostKeyChecking {
	case StrictNo, StrictAcceptNew:
		return v.record(key)
	case StrictYes:
		return refuse(fmt.Sprintf(" (StrictHostKeyChecking is yes for %s in %s, so ferry does not ask)", v.hc.Alias, displayFile(v.hc.ConfigFile)))
	}
	if v.p == nil {
		return refuse("")
	}
	ok, err := v.p.ConfirmHostKey(v.ctx, HostKeyPrompt{
		Host:        v.hc.Alias,
		Address:     v.address,
		KeyType:     key.Type(),
		Fingerprint: fp,
		Message: fmt.Sprintf("The authenticity of host '%s (%s)' can't be established.\n%s key fingerprint is %s.\nAre you sure you want to continue connecting?",
			v.hc.Alias, v.address, key.Type(), fp),
	})
	if err != nil {
		return newError(ErrHostKeyUnknown, err, "host key for %s is not known (fingerprint %s), and asking whether to trust it failed: %v", v.hc.Alias, fp, err)
	}
	if !ok {
		return refuse("")
	}
	return v.record(key)
}

// knownHostsMu serializes appends to known_hosts files within the process.
var knownHostsMu sync.Mutex

// record appends key for the host to the first user known_hosts file,
// creating it (0600) and its directory (0700) if needed.
func (v *hostKeyVerifier) record(key gossh.PublicKey) error {
	if len(v.hc.UserKnownHostsFiles) == 0 {
		return newError(ErrHostKeyUnknown, nil, "host key for %s (fingerprint %s) was accepted but cannot be recorded: UserKnownHostsFile is none; set it in %s",
			v.hc.Alias, gossh.FingerprintSHA256(key), displayFile(v.hc.ConfigFile))
	}
	file := v.hc.UserKnownHostsFiles[0]
	line := knownhosts.Line([]string{knownhosts.Normalize(v.address)}, key) + "\n"
	knownHostsMu.Lock()
	defer knownHostsMu.Unlock()
	if err := appendLine(file, line); err != nil {
		return newError(ErrHostKeyUnknown, err, "host key for %s (fingerprint %s) was accepted but cannot be recorded in %s: %v; fix the file's permissions",
			v.hc.Alias, gossh.FingerprintSHA256(key), displayFile(file), err)
	}
	return nil
}

// appendLine appends line to file, after a newline if the file does not
// end with one.
func appendLine(file, line string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		} else if err != nil && err != io.EOF {
			f.Close()
			return err
		}
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func displayFiles(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = displayFile(f)
	}
	return out
}
