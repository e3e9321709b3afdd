package scan

import "syscall"

// syscallENOTDIR: Windows reports a file used as a parent directory as not found.
const syscallENOTDIR = syscall.ERROR_PATH_NOT_FOUND
