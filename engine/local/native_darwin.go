package local

// nativeExpected: macOS endpoints poll by design (see package watch).
const nativeExpected = false
