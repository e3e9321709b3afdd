package local

// nativeExpected: macOS endpoints poll by design (see package watch).
const nativeExpected = false

// noExecutability: whether this system's files lack an executable bit.
const noExecutability = false
