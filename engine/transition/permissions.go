package transition

import (
	"fmt"
	"io/fs"
	"os"
)

// Permissions say which modes and owner a transition gives what it creates.
//
// In the portable mode (Manual false) a file's executable bit is synchronized: a new
// file gets FileMode with the executable bits added where it is readable, and a
// replaced file keeps its mode except for those bits. In the manual mode executability
// is not synchronized (the scanner ignores it too): new files get FileMode exactly,
// replaced files keep their mode. New directories get DirMode in both.
type Permissions struct {
	Manual bool
	// FileMode and DirMode are the modes of new files and directories; 0 means 0644
	// and 0755 (a directory's default is then subject to the umask, as mkdir is).
	FileMode, DirMode fs.FileMode
	// UID and GID own what transitions create or replace; -1 leaves the process's.
	UID, GID int
}

// PortablePermissions is the default: executable bits synchronized, default modes,
// owned by the process.
var PortablePermissions = Permissions{UID: -1, GID: -1}

func (p Permissions) fileMode(exec bool) fs.FileMode {
	mode := p.FileMode
	if mode == 0 {
		mode = defaultFileMode
	}
	if p.Manual {
		return mode
	}
	return withExecutable(mode, exec)
}

// replacedMode is the mode of a file that replaces one of mode old.
func (p Permissions) replacedMode(old fs.FileMode, exec bool) fs.FileMode {
	if p.Manual {
		return old.Perm()
	}
	return withExecutable(old.Perm(), exec)
}

// mkdir creates the directory abs with the configured mode and owner. When it was
// created but its mode or owner could not be set, created is true and err says why.
func (p Permissions) mkdir(abs string) (created bool, err error) {
	mode := p.DirMode
	if mode == 0 {
		mode = defaultDirMode
	}
	if err := os.Mkdir(abs, mode); err != nil {
		return false, err
	}
	if p.DirMode != 0 {
		// Exactly the configured mode, whatever the umask.
		if err := os.Chmod(abs, mode); err != nil {
			return true, fmt.Errorf("setting permissions: %w", unwrap(err))
		}
	}
	return true, p.own(abs)
}

// own gives abs (not following a link) the configured owner and group.
func (p Permissions) own(abs string) error {
	if p.UID < 0 && p.GID < 0 {
		return nil
	}
	if err := os.Lchown(abs, p.UID, p.GID); err != nil {
		return fmt.Errorf("setting the owner: %w", unwrap(err))
	}
	return nil
}
