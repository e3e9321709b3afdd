package stage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Receiver returns a sink for the contents listed by the last Stage call.
func (a *Area) Receiver() (endpoint.Receiver, error) {
	if a.needed == nil {
		return nil, endpoint.ErrNoStage
	}
	return &receiver{a: a, needed: a.needed}, nil
}

type receiver struct {
	a        *Area
	needed   []endpoint.Needed
	problems []endpoint.Problem

	cur     int
	out     *staging
	buf     *bufio.Writer // reused from file to file
	hash    *xxh3.Hasher  // reused from file to file
	base    *os.File
	patcher *delta.Patcher
	err     error // the current file's failure, reported at End
}

func (r *receiver) Begin(i int) error {
	if r.out != nil {
		return errors.New("receiver: Begin before End")
	}
	if i < 0 || i >= len(r.needed) {
		return fmt.Errorf("receiver: no needed file %d", i)
	}
	out, err := r.a.create(r.hash)
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
	if r.out == nil {
		return errors.New("receiver: Op outside a file")
	}
	if r.err == nil {
		r.err = r.patcher.Apply(op)
	}
	return nil
}

func (r *receiver) End() error {
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
		err = out.commit(n.Digest)
	}
	if err != nil {
		r.problems = append(r.problems, endpoint.Problem{Path: n.Path, Error: fmt.Sprintf("staging: %v", err)})
	}
	return nil
}

func (r *receiver) Skip(i int, reason string) error {
	if i < 0 || i >= len(r.needed) {
		return fmt.Errorf("receiver: no needed file %d", i)
	}
	r.problems = append(r.problems, endpoint.Problem{Path: r.needed[i].Path, Error: reason})
	return nil
}

func (r *receiver) Close() ([]endpoint.Problem, error) {
	if r.out != nil {
		r.out.abort()
		r.out = nil
	}
	if r.base != nil {
		r.base.Close()
	}
	return r.problems, nil
}
