package scan

import (
	"sync"

	"github.com/ferrysync/ferry/engine/tree"
)

// shared remembers digests by stat key across every scanner of the process (the
// daemon), whatever the path: a session created again, or another session over the
// same files, then reads nothing it has read before. A stat key (device, inode, size,
// modification and change times, mode) names one version of one file; on systems
// without inodes (Windows) it does not, and the shared cache is not used there.
var shared = struct {
	sync.Mutex
	m map[StatKey]tree.Digest
}{m: map[StatKey]tree.Digest{}}

// sharedMax bounds the shared cache; past it, it starts over.
const sharedMax = 2 << 20

func sharedLookup(k StatKey) (tree.Digest, bool) {
	if k.Inode == 0 {
		return tree.Digest{}, false
	}
	shared.Lock()
	defer shared.Unlock()
	d, ok := shared.m[k]
	return d, ok
}

func sharedStore(k StatKey, d tree.Digest) {
	if k.Inode == 0 {
		return
	}
	shared.Lock()
	defer shared.Unlock()
	if len(shared.m) >= sharedMax {
		shared.m = map[StatKey]tree.Digest{}
	}
	shared.m[k] = d
}
