package local

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// ReadFile implements endpoint.Endpoint. Every parent of path must be a real directory
// and path itself a regular file: links are not followed out of the root.
func (e *Endpoint) ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := tree.ValidPath(path); err != nil || path == "" {
		return nil, fmt.Errorf("invalid path %q", path)
	}
	for p, _ := tree.Split(path); p != ""; p, _ = tree.Split(p) {
		info, err := os.Lstat(e.sc.Abs(p))
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", p)
		}
	}
	abs := e.sc.Abs(path)
	info, err := os.Lstat(abs)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%w: %s holds %d bytes, more than %d", endpoint.ErrTooLarge, path, info.Size(), limit)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s grew past %d bytes", endpoint.ErrTooLarge, path, limit)
	}
	return data, nil
}

// Trash implements endpoint.Endpoint.
func (e *Endpoint) Trash(ctx context.Context) ([]endpoint.TrashItem, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	items, err := e.bin.List()
	if err != nil {
		return nil, err
	}
	out := make([]endpoint.TrashItem, len(items))
	for i, it := range items {
		out[i] = endpoint.TrashItem{Batch: it.Batch, Time: it.Time, Path: it.Path, Size: it.Size, Link: it.Link}
	}
	return out, nil
}

// Restore implements endpoint.Endpoint.
func (e *Endpoint) Restore(ctx context.Context, batch, path, to string) error {
	if to == "" {
		to = path
	}
	if err := tree.ValidPath(to); err != nil || to == "" {
		return fmt.Errorf("invalid path %q", to)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for p, _ := tree.Split(to); p != ""; p, _ = tree.Split(p) {
		if info, err := os.Lstat(e.sc.Abs(p)); err == nil && !info.IsDir() {
			return fmt.Errorf("%s is not a directory", p)
		}
	}
	if err := e.bin.Restore(batch, path, e.sc.Abs(to)); err != nil {
		return err
	}
	// The next scan reads what was restored even before the watcher reports it, so a
	// flush right after a restore propagates it.
	e.mark(to)
	e.polled = nil
	e.signal()
	return nil
}
