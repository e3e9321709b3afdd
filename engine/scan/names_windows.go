package scan

import "github.com/ferrysync/ferry/engine/winname"

// nameProblem says why a name found on disk cannot be read faithfully here: the Win32
// layer would open something else for "aux.txt" (a device) or "notes." (notes). Such
// entries are untracked, with the reason.
func nameProblem(name string) string { return winname.NameProblem(name) }
