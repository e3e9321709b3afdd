package agentwire

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

func TestStageFilesRoundTrip(t *testing.T) {
	files := []endpoint.StageFile{
		{Path: "new/dir/a", Digest: tree.Digest{1, 2}, Size: 7},
		{Path: "edited.txt", Digest: tree.Digest{3}, Size: 1 << 40},
	}
	d := NewDecoder(AppendStageFiles(nil, files))
	require.Equal(t, files, d.StageFiles())
	require.NoError(t, d.Err())
}
