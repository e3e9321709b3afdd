package stage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Receiver returns a sink for the contents listed by the last Stage call.
// It may be called while a transition waits for those contents (see Area.Await).
func (a *Area) Receiver() (endpoint.Receiver, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.needed == nil {
		return nil, endpoint.ErrNoStage
	}
	a.syncEach = len(a.needed) <= syncEachMax
	a.attached = a.receiving
	return &receiver{a: a, needed: a.needed, reception: a.reception}, nil
}

type receiver struct {
	a         *Area
	reception uint64
	needed    []endpoint.Needed
	mu        sync.Mutex // guards problems, which workers append to
	problems  []endpoint.Problem

	// Small files are gathered in memory and written by workers, so the writes of
	// many files overlap (most of a large first sync is small files).
	small   *bytes.Buffer
	jobs    chan smallJob
	workers sync.WaitGroup

	cur     int
	out     *staging
	buf     *bufio.Writer // reused from file to file
	hash    *xxh3.Hasher  // reused from file to file
	base    *os.File
	patcher *delta.Patcher
	err     error // the current file's failure, reported at End
}

// smallFile is the largest file gathered in memory and written by a worker.
const smallFile = 512 << 10

type smallJob struct {
	i   int
	buf *bytes.Buffer
	err error
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// problem reports that needed file n could not be staged: a transition waiting for
// it goes on without it.
func (r *receiver) problem(n endpoint.Needed, msg string) {
	r.mu.Lock()
	r.problems = append(r.problems, endpoint.Problem{Path: n.Path, Error: msg})
	r.mu.Unlock()
	r.a.resolve(n.Digest)
}

func (r *receiver) Begin(i int) error {
	if r.out != nil || r.small != nil {
		return errors.New("receiver: Begin before End")
	}
	if i < 0 || i >= len(r.needed) {
		return fmt.Errorf("receiver: no needed file %d", i)
	}
	if n := r.needed[i]; n.Signature == nil && n.Size <= smallFile {
		r.cur, r.err = i, nil
		r.small = buffers.Get().(*bytes.Buffer)
		r.small.Reset()
		return nil
	}
	out, err := r.a.create(r.needed[i].Digest, r.hash)
	if err != nil {
		return err
	}
	r.hash = out.hash
	n := r.needed[i]
	r.cur, r.out, r.err = i, out, nil
	if r.buf == nil {
		r.buf = bufio.NewWriterSize(out.file, 256<<10)
	} else {
		r.buf.Reset(out.file)
	}
	w := io.MultiWriter(r.buf, out.hash)
	if n.Signature != nil {
		if base, err := os.Open(r.a.abs(n.Path)); err == nil {
			r.base = base
			r.patcher = delta.NewPatcher(base, n.Signature.BlockSize, n.Signature.Size, w)
			return nil
		}
	}
	r.patcher = delta.NewPatcher(nil, 1, 0, w)
	return nil
}

func (r *receiver) Op(op delta.Op) error {
	if r.small != nil {
		switch {
		case r.err != nil:
		case op.Kind != delta.OpData:
			r.err = fmt.Errorf("%w: a copy op for a file without a base", delta.ErrBadOp)
		case int64(r.small.Len()+len(op.Data)) > r.needed[r.cur].Size:
			r.err = fmt.Errorf("more data than the %d bytes announced", r.needed[r.cur].Size)
		default:
			r.small.Write(op.Data)
		}
		return nil
	}
	if r.out == nil {
		return errors.New("receiver: Op outside a file")
	}
	if r.err == nil {
		r.err = r.patcher.Apply(op)
	}
	return nil
}

func (r *receiver) End() error {
	if r.small != nil {
		job := smallJob{i: r.cur, buf: r.small, err: r.err}
		r.small = nil
		if r.jobs == nil {
			r.jobs = make(chan smallJob, 64)
			for range max(runtime.GOMAXPROCS(0), 2) * 2 {
				r.workers.Add(1)
				go r.work()
			}
		}
		r.jobs <- job
		return nil
	}
	if r.out == nil {
		return errors.New("receiver: End outside a file")
	}
	n := r.needed[r.cur]
	out := r.out
	r.out = nil
	if r.base != nil {
		r.base.Close()
		r.base = nil
	}
	err := r.err
	if err == nil {
		err = r.buf.Flush()
	}
	if err != nil {
		out.abort()
	} else {
		out.size = r.patcher.Written()
		err = out.commit(n.Digest)
	}
	if err != nil {
		r.problem(n, fmt.Sprintf("staging: %v", err))
	}
	return nil
}

// work writes gathered small files into the staging area.
func (r *receiver) work() {
	defer r.workers.Done()
	var hash *xxh3.Hasher
	for j := range r.jobs {
		n := r.needed[j.i]
		err := j.err
		if err == nil {
			var out *staging
			if out, err = r.a.create(n.Digest, hash); err == nil {
				hash = out.hash
				if _, err = out.file.Write(j.buf.Bytes()); err == nil {
					out.hash.Write(j.buf.Bytes())
					err = out.commit(n.Digest)
				} else {
					out.abort()
				}
			}
		}
		if err != nil {
			r.problem(n, fmt.Sprintf("staging: %v", err))
		}
		buffers.Put(j.buf)
	}
}

func (r *receiver) Skip(i int, reason string) error {
	if i < 0 || i >= len(r.needed) {
		return fmt.Errorf("receiver: no needed file %d", i)
	}
	r.problem(r.needed[i], reason)
	return nil
}

func (r *receiver) Close() ([]endpoint.Problem, error) {
	if r.out != nil {
		r.out.abort()
		r.out = nil
	}
	r.small = nil
	if r.base != nil {
		r.base.Close()
	}
	if r.jobs != nil {
		close(r.jobs)
		r.workers.Wait()
		r.jobs = nil
	}
	// Whatever has not arrived now will not.
	r.a.closeReception(r.reception)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.problems, nil
}
