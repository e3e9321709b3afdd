package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/engine/transition"
)

// PermissionsConfig says how permissions are synchronized. The portable mode (default)
// synchronizes the executable bit; the manual mode synchronizes no permission bits and
// gives new files and directories the default modes. Both give what sync creates the
// default owner and group, when set (names or numeric ids, resolved on each side).
type PermissionsConfig struct {
	Manual   bool        `json:"manual,omitempty"`
	FileMode fs.FileMode `json:"fileMode,omitempty"`
	DirMode  fs.FileMode `json:"dirMode,omitempty"`
	Owner    string      `json:"owner,omitempty"`
	Group    string      `json:"group,omitempty"`
}

// Validate checks the modes (owner and group are checked where they are resolved).
func (p PermissionsConfig) Validate() error {
	if p.FileMode&^fs.ModePerm != 0 || p.DirMode&^fs.ModePerm != 0 {
		return errors.New("default file and directory modes are permission bits only, such as 0644 and 0755")
	}
	if p.FileMode != 0 && p.FileMode&0o600 != 0o600 {
		return fmt.Errorf("default file mode %04o would not let the owner read and write what sync creates; give at least 0600", p.FileMode)
	}
	if p.DirMode != 0 && p.DirMode&0o700 != 0o700 {
		return fmt.Errorf("default directory mode %04o would not let the owner list and fill what sync creates; give at least 0700", p.DirMode)
	}
	return nil
}

// Resolve turns the configuration into a transition's, looking owner and group up on
// this system.
func (p PermissionsConfig) Resolve() (transition.Permissions, error) {
	out := transition.Permissions{Manual: p.Manual, FileMode: p.FileMode, DirMode: p.DirMode, UID: -1, GID: -1}
	if p.Owner != "" {
		u, err := lookupID(p.Owner, func(n string) (string, error) {
			u, err := user.Lookup(n)
			if err != nil {
				return "", err
			}
			return u.Uid, nil
		})
		if err != nil {
			return out, fmt.Errorf("default owner %q: %w", p.Owner, err)
		}
		out.UID = u
	}
	if p.Group != "" {
		g, err := lookupID(p.Group, func(n string) (string, error) {
			g, err := user.LookupGroup(n)
			if err != nil {
				return "", err
			}
			return g.Gid, nil
		})
		if err != nil {
			return out, fmt.Errorf("default group %q: %w", p.Group, err)
		}
		out.GID = g
	}
	return out, nil
}

var modeRE = regexp.MustCompile(`^(0o?)?[0-7]{1,4}$`)

// ParseMode reads permission bits written in octal, such as "0644" or "0o644".
func ParseMode(s string) (fs.FileMode, bool) {
	mode, err := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
	if !modeRE.MatchString(s) || err != nil || mode > 0o777 {
		return 0, false
	}
	return fs.FileMode(mode), true
}

// lookupID returns a numeric id as it is, or looks a name up.
func lookupID(s string, lookup func(string) (string, error)) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, errors.New("ids are not negative")
		}
		return n, nil
	}
	id, err := lookup(s)
	if err != nil {
		return 0, fmt.Errorf("unknown on this system (%v); give a name or a numeric id that exists here", err)
	}
	return strconv.Atoi(id)
}
