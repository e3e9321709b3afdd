package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/windows"

	"github.com/ferrysync/ferry/engine/winname"
)

// This file watches a root on Windows with ReadDirectoryChangesW: one handle on the
// root with the subtree flag (every change below it), and one on the root's parent
// without it, for the root's own name (a handle follows its directory when it is
// renamed, so the root's handle alone would go on watching a folder that is no
// longer at the root's path). Each handle has a goroutine that waits for its
// overlapped read; Close cancels the reads.

const (
	rdcwBufferBytes = 64 << 10 // the most a network share delivers at once
	rdcwRootFilter  = windows.FILE_NOTIFY_CHANGE_FILE_NAME | windows.FILE_NOTIFY_CHANGE_DIR_NAME |
		windows.FILE_NOTIFY_CHANGE_ATTRIBUTES | windows.FILE_NOTIFY_CHANGE_SIZE |
		windows.FILE_NOTIFY_CHANGE_LAST_WRITE | windows.FILE_NOTIFY_CHANGE_CREATION
	rdcwParentFilter = windows.FILE_NOTIFY_CHANGE_DIR_NAME
)

// rdcwNoBarrier is why Barrier cannot vouch on Windows.
const rdcwNoBarrier = "ReadDirectoryChangesW orders events per directory handle only, and ferry's marker directory is outside the root"

// rdcw is the Windows backend of one Watcher.
type rdcw struct {
	w  *Watcher
	tr rdcwTranslator

	mu     sync.Mutex
	gen    uint64 // counts reattachments, so a stale loss never stops newer watches
	root   *dirWatch
	parent *dirWatch
}

// dirWatch is one directory handle with its pending read.
type dirWatch struct {
	h       windows.Handle
	ov      windows.Overlapped
	buf     []byte
	subtree bool
	filter  uint32
	stopped chan struct{}

	mu      sync.Mutex // orders issuing a read with stopping
	closing bool
}

func startNative(w *Watcher) error {
	r := &rdcw{w: w, tr: rdcwTranslator{ignore: w.opts.Ignore}}
	w.native, w.name, w.noBarrier = r, "ReadDirectoryChangesW", rdcwNoBarrier
	err := r.reattach()
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
		w.mu.Lock()
		w.loseRoot()
		w.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: watching %s: %v", ErrUnavailable, w.root, err)
	}
	return nil
}

// reattach (re)opens the watches on the root and its parent.
func (r *rdcw) reattach() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	r.gen++
	gen := r.gen
	abs, err := filepath.Abs(r.w.root)
	if err != nil {
		return err
	}
	root, err := openDirWatch(abs, true, rdcwRootFilter)
	if err != nil {
		return err
	}
	r.root = root
	r.w.wg.Add(1)
	go r.run(root, gen, r.rootChanges)
	if parent := filepath.Dir(abs); parent != abs {
		if p, err := openDirWatch(parent, false, rdcwParentFilter); err == nil {
			r.parent = p
			base := filepath.Base(abs)
			r.w.wg.Add(1)
			go r.run(p, gen, func(changes []dirChange) {
				if rootNamed(changes, base) {
					r.rootMoved(gen)
				}
			})
		}
		// Without the parent's watch (no access to it) a renamed root goes unnoticed
		// until the next full scan, as with a parent renamed further up.
	}
	return nil
}

func openDirWatch(dir string, subtree bool, filter uint32) (*dirWatch, error) {
	name, err := windows.UTF16PtrFromString(winname.ExtendedPath(dir))
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateFile(name, windows.FILE_LIST_DIRECTORY,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	d := &dirWatch{h: h, buf: make([]byte, rdcwBufferBytes), subtree: subtree, filter: filter, stopped: make(chan struct{})}
	d.ov.HEvent = ev
	return d, nil
}

// read waits for the next batch of records. n == 0 with a nil error means the
// system's buffer overflowed; ERROR_OPERATION_ABORTED means the watch is stopping.
func (d *dirWatch) read() (int, error) {
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		return 0, windows.ERROR_OPERATION_ABORTED
	}
	windows.ResetEvent(d.ov.HEvent)
	err := windows.ReadDirectoryChanges(d.h, &d.buf[0], uint32(len(d.buf)), d.subtree, d.filter, nil, &d.ov, 0)
	d.mu.Unlock()
	if err != nil && !errors.Is(err, windows.ERROR_IO_PENDING) {
		return 0, err
	}
	var n uint32
	if err := windows.GetOverlappedResult(d.h, &d.ov, &n, true); err != nil {
		return 0, err
	}
	return int(n), nil
}

// stop cancels the pending read and waits for its goroutine to end. A read is
// issued under mu only while not closing, so none can start after the cancel.
func (d *dirWatch) stop() {
	d.mu.Lock()
	d.closing = true
	windows.CancelIoEx(d.h, &d.ov)
	d.mu.Unlock()
	<-d.stopped
	windows.CloseHandle(d.h)
	windows.CloseHandle(d.ov.HEvent)
}

// run reads one handle until it is stopped or fails.
func (r *rdcw) run(d *dirWatch, gen uint64, handle func([]dirChange)) {
	w := r.w
	defer w.wg.Done()
	defer close(d.stopped)
	for {
		n, err := d.read()
		select {
		case <-w.done:
			return
		default:
		}
		switch {
		case errors.Is(err, windows.ERROR_OPERATION_ABORTED):
			return
		case errors.Is(err, windows.ERROR_NOTIFY_ENUM_DIR), err == nil && n == 0:
			// More changed than the buffer holds: only a full scan will do.
			if !w.delay() {
				return
			}
			w.record(batch{dropped: true})
			continue
		case err != nil:
			// The root or its parent was deleted (the handle is delete-pending: held,
			// it would keep the folder from going) or the volume went away: let go
			// of both, rescan, and wait for the root to be back.
			r.rootMoved(gen)
			return
		}
		if !w.delay() {
			return
		}
		changes, perr := parseNotify(d.buf[:n])
		handle(changes)
		if perr != nil {
			w.record(batch{dropped: true, problem: fmt.Sprintf("watcher error: %v", perr)})
		}
	}
}

func (r *rdcw) rootChanges(changes []dirChange) { r.w.record(r.tr.translate(changes)) }

// rootMoved handles the loss of the directory the root's handle watches: the
// handles of generation gen are released (so a deleted root can go; a goroutine,
// since the caller may be one of their readers) and the root is waited for.
func (r *rdcw) rootMoved(gen uint64) {
	go func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.gen == gen {
			r.stopLocked()
		}
	}()
	r.w.mu.Lock()
	r.w.loseRoot()
	r.w.mu.Unlock()
	r.w.signal()
}

// stopLocked stops both watches (under mu).
func (r *rdcw) stopLocked() {
	for _, d := range []**dirWatch{&r.root, &r.parent} {
		if *d != nil {
			(*d).stop()
			*d = nil
		}
	}
}

func (r *rdcw) flush() {}

func (r *rdcw) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	return nil
}
