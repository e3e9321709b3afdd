package transition

import (
	"sync"

	"golang.org/x/sys/windows/registry"

	"github.com/ferrysync/ferry/engine/winname"
)

// nameProblem says why rel cannot be created below root here (a reserved device
// name, a trailing dot or space, a character Windows forbids, a path over MAX_PATH
// while long paths are off), or "".
func nameProblem(root, rel string) string {
	return winname.PathProblem(root, rel, longPathsEnabled())
}

// longPathsEnabled reads the system's LongPathsEnabled setting once.
var longPathsEnabled = sync.OnceValue(func() bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\FileSystem`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	v, _, err := k.GetIntegerValue("LongPathsEnabled")
	return err == nil && v == 1
})
