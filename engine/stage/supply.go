package stage

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Supply reads the needed files from the root that abs resolves and sends them to r,
// as deltas where a signature is given.
func Supply(ctx context.Context, abs func(string) string, needed []endpoint.Needed, r endpoint.Receiver) error {
	rd := bufio.NewReaderSize(nil, 256<<10)
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
		rd.Reset(f)
		var sendErr error
		err = delta.Diff(n.Signature, rd, func(op delta.Op) error {
			sendErr = r.Op(op)
			return sendErr
		})
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
