package transition

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/stage"
	"github.com/ferrysync/ferry/engine/tree"
)

// place puts the staged content of file at p with the given mode. With noReplace it
// fails if anything exists at p; otherwise it atomically replaces what is there.
func (t *Transitioner) place(p string, file *tree.Entry, mode fs.FileMode, noReplace bool) error {
	staged := t.area.Path(file.Digest)
	if staged == "" {
		return errNotStaged
	}
	if !t.flushed {
		t.flushStaged()
	}
	abs := t.sc.Abs(p)
	t.uses[file.Digest]--
	src := staged
	if t.uses[file.Digest] > 0 || t.keep[file.Digest] {
		// Other paths need the same content (in this transition or a later one): land
		// a copy, keep the staged file.
		tmp, err := copyNear(staged, abs)
		if err != nil {
			return fmt.Errorf("copying staged content: %w", err)
		}
		src = tmp
	}
	if err := t.perms.own(src); err != nil {
		if src != staged {
			os.Remove(src)
		}
		return err
	}
	if mode != stage.StagedMode || src != staged {
		if err := os.Chmod(src, mode); err != nil {
			return fmt.Errorf("setting permissions: %w", unwrap(err))
		}
		if src == staged {
			// A staged file keeps StagedMode for its next use if this one fails.
			defer func() {
				if t.area.Has(file.Digest) {
					os.Chmod(staged, stage.StagedMode)
				}
			}()
		}
	}
	err := t.rename(src, abs, noReplace)
	if isCrossDevice(err) {
		// The staging area is on another file system: copy next to the target first.
		tmp, cerr := copyNear(src, abs)
		if cerr != nil {
			return fmt.Errorf("copying staged content: %w", cerr)
		}
		os.Chmod(tmp, mode)
		t.perms.own(tmp)
		if err = t.rename(tmp, abs, noReplace); err != nil {
			os.Remove(tmp)
		} else if src == staged {
			os.Remove(staged)
		}
	}
	if err == nil && src == staged {
		t.area.Taken(file.Digest)
	}
	if err != nil {
		if src != staged {
			os.Remove(src)
		}
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("not created: something was created there since the scan")
		}
		return fmt.Errorf("placing file: %w", unwrap(err))
	}
	t.record(p, file.Digest)
	t.area.Landed(file.Digest)
	return nil
}

// errNotStaged: a file's content is not in the staging area.
var errNotStaged = errors.New("content not staged (it could not be transferred); it will be retried")

// copyNear copies src to a new temporary file in the directory of target.
func copyNear(src, target string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(target), scan.TempPrefix+hex.EncodeToString(rnd[:]))
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}
