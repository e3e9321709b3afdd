package local

// nativeExpected: a failure to watch natively is worth reporting here.
const nativeExpected = true
