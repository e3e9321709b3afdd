package project

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// Labels ferry puts on every session of a project. The selector LabelProject=ID finds
// a project's sessions again; LabelDigest tells whether the file changed since.
const (
	LabelProject = "ferry-project"
	LabelDigest  = "ferry-project-digest"
)

// Length limits of the derived names: a session name holds at most 64 characters,
// which Prefix (at most maxSlug+1+idLen+1) and an entry name (at most MaxEntryName)
// respect together.
const (
	idLen        = 8
	digestLen    = 12
	maxSlug      = 16
	MaxEntryName = 32
)

// ID returns the identifier of the project in folder dir (absolute, symbolic links
// resolved, as Dir returns it): the first 8 hex digits of the SHA-256 of the path.
func ID(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(sum[:])[:idLen]
}

// Selector returns the label selector that finds the sessions of project id.
func Selector(id string) string { return LabelProject + "=" + id }

// Prefix returns what the names of the sessions of the project in dir start with:
// the folder's name made a valid name (ASCII letters in lower case and digits kept,
// every run of anything else one '-', none at either end, "p-" before a leading digit,
// at most 16 characters, "project" when nothing is left), '-', the ID, '-'. For /home/alice/My Web it is
// "my-web-<id>-". The folder's name keeps names readable; the ID keeps them unique.
func Prefix(dir string) string {
	return slug(filepath.Base(dir)) + "-" + ID(dir) + "-"
}

// SessionName returns the daemon's name for entry of the project in dir.
func SessionName(dir, entry string) string { return Prefix(dir) + entry }

// Digest identifies a project file's contents: the first 12 hex digits of their
// SHA-256.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:digestLen]
}

func slug(base string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(base); i++ {
		c := base[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteByte(c)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	if s == "" {
		return "project"
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "p-" + s
	}
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-")
	}
	return s
}
