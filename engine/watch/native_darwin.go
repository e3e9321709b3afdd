package watch

// kqueue, fsnotify's macOS backend, needs a file descriptor per watched file, which
// does not scale to source trees; macOS endpoints poll instead.
const nativeSupported = false

func limitHint(error) string { return "" }
