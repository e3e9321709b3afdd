package stage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Supply reads the needed files from the root that abs resolves and sends them to r,
// as deltas where a signature is given.
func Supply(ctx context.Context, abs func(string) string, needed []endpoint.Needed, r endpoint.Receiver) error {
	rd := bufio.NewReaderSize(nil, 256<<10)
	chunk := make([]byte, delta.MaxDataLen)
	for i, n := range needed {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(abs(n.Path))
		if err != nil {
			if err := r.Skip(i, fmt.Sprintf("reading source: %v", err)); err != nil {
				return err
			}
			continue
		}
		if err := r.Begin(i); err != nil {
			f.Close()
			return err
		}
		var sendErr error
		if n.Signature == nil {
			// No base: send the whole file, through one reused buffer.
			sendErr = sendAll(f, chunk, r)
		} else {
			rd.Reset(f)
			err = delta.Diff(n.Signature, rd, func(op delta.Op) error {
				sendErr = r.Op(op)
				return sendErr
			})
		}
		f.Close()
		if sendErr != nil {
			return sendErr
		}
		// A read error leaves a short file, which the receiver rejects by its digest.
		if err := r.End(); err != nil {
			return err
		}
	}
	return nil
}

// sendAll sends everything f holds as data ops. A read error ends the file early; the
// receiver then rejects it by its digest.
func sendAll(f io.Reader, chunk []byte, r endpoint.Receiver) error {
	for {
		n, err := io.ReadFull(f, chunk)
		if n > 0 {
			if err := r.Op(delta.Op{Kind: delta.OpData, Data: chunk[:n:n]}); err != nil {
				return err
			}
		}
		if err != nil {
			return nil
		}
	}
}
