package remote

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
)

// recorder is a Receiver that keeps what it was given, by needed index.
type recorder struct {
	got     map[int][]byte
	skipped map[int]string
	cur     int
}

func (r *recorder) Begin(i int) error { r.cur = i; r.got[i] = []byte{}; return nil }
func (r *recorder) Op(op delta.Op) error {
	if op.Kind != delta.OpData {
		return fmt.Errorf("unexpected %s op", op.Kind)
	}
	r.got[r.cur] = append(r.got[r.cur], op.Data...)
	return nil
}
func (r *recorder) End() error                         { return nil }
func (r *recorder) Skip(i int, reason string) error    { r.skipped[i] = reason; return nil }
func (r *recorder) Close() ([]endpoint.Problem, error) { return nil, nil }

// TestSupplyTakesWhatTheScanSentAhead: the files whose contents came with the last
// scan are supplied from them, whole (in literal ops of at most delta.MaxDataLen),
// under their own indexes; the rest are left for the agent, whose indexes map back.
func TestSupplyTakesWhatTheScanSentAhead(t *testing.T) {
	small, large := []byte("small"), bytes.Repeat([]byte("x"), delta.MaxDataLen+10)
	e := &Endpoint{}
	e.keepAhead([]endpoint.Content{{Digest: scan.Digest(small), Data: small}, {Digest: scan.Digest(large), Data: large}})
	needed := []endpoint.Needed{
		{Path: "not-ahead", Digest: scan.Digest([]byte("other")), Size: 5},
		{Path: "small", Digest: scan.Digest(small), Size: int64(len(small))},
		{Path: "large", Digest: scan.Digest(large), Size: int64(len(large)), Signature: &delta.Signature{}},
		{Path: "also-not", Digest: scan.Digest([]byte("more")), Size: 4},
	}
	r := &recorder{got: map[int][]byte{}, skipped: map[int]string{}}
	rest, index, err := e.supplyAhead(needed, r)
	require.NoError(t, err)
	require.Equal(t, map[int][]byte{1: small, 2: large}, r.got)
	require.Equal(t, []endpoint.Needed{needed[0], needed[3]}, rest)

	// What the agent then supplies for rest[i] reaches needed[index[i]].
	ri := &reindexed{Receiver: r, index: index}
	require.NoError(t, ri.Begin(1))
	require.NoError(t, ri.Op(delta.Op{Kind: delta.OpData, Data: []byte("more")}))
	require.NoError(t, ri.End())
	require.NoError(t, ri.Skip(0, "gone"))
	require.Equal(t, []byte("more"), r.got[3])
	require.Equal(t, map[int]string{0: "gone"}, r.skipped)
	require.Error(t, ri.Begin(2), "an index the agent was not given")

	// The next scan's contents replace these.
	e.keepAhead(nil)
	rest, _, err = e.supplyAhead(needed, r)
	require.NoError(t, err)
	require.Equal(t, needed, rest)
}
