package local

// nativeExpected: macOS watches with FSEvents (package watch); a failure to watch
// natively is worth reporting here.
const nativeExpected = true

// noExecutability: whether this system's files lack an executable bit.
const noExecutability = false
