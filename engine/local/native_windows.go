package local

// nativeExpected: a failure to watch natively is worth reporting here.
const nativeExpected = true

// noExecutability: whether this system's files lack an executable bit.
const noExecutability = true
