package watch

const nativeSupported = true

func limitHint(error) string { return "" }
