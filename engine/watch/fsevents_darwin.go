package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// This file binds FSEvents (CoreServices) without cgo, through purego: the functions
// are looked up with dlopen/dlsym, and the stream's C callback is a purego callback.
// The stream watches the root and the marker directory, delivers file-level events
// on a private dispatch queue, and the callback translates them (fsevents.go) into the
// Watcher's dirty set before it returns, so FSEventStreamFlushSync returning means
// every event it flushed has been recorded.

// FSEventStreamCreateFlags.
const (
	fseCreateNoDefer    = 0x00000002
	fseCreateWatchRoot  = 0x00000004
	fseCreateFileEvents = 0x00000010
)

const (
	fseSinceNow          = ^uint64(0) // kFSEventStreamEventIdSinceNow
	cfStringEncodingUTF8 = 0x08000100
	// fseLatency is how long FSEvents may hold events back to coalesce them, in
	// seconds. The session settles bursts itself; Barrier flushes what is held.
	fseLatency = 0.01
)

const (
	libCoreServices    = "/System/Library/Frameworks/CoreServices.framework/CoreServices"
	libCoreFoundation  = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
	libSystem          = "/usr/lib/libSystem.B.dylib"
	fseQueueLabel      = "ferry.fsevents\x00" // NUL-terminated: read-only memory, never copied
	fseContextVersion0 = 0
)

// fseContext is FSEventStreamContext (every field pointer-sized, so the header's
// pack(2) changes nothing).
type fseContext struct {
	version         int
	info            uintptr
	retain, release uintptr
	copyDescription uintptr
}

// fseLib holds the bound functions.
type fseLib struct {
	streamCreate   func(alloc uintptr, callback uintptr, ctx *fseContext, paths uintptr, since uint64, latency float64, flags uint32) uintptr
	setQueue       func(stream, queue uintptr)
	start          func(stream uintptr) bool
	flushSync      func(stream uintptr)
	stop           func(stream uintptr)
	invalidate     func(stream uintptr)
	release        func(stream uintptr)
	cfStringCreate func(alloc uintptr, s string, encoding uint32) uintptr
	cfArrayCreate  func(alloc uintptr, values *uintptr, n int, callbacks uintptr) uintptr
	cfRelease      func(ref uintptr)
	queueCreate    func(label string, attr uintptr) uintptr
	queueRelease   func(queue uintptr)
	arrayCallbacks uintptr // &kCFTypeArrayCallBacks
	callback       uintptr // fseCallback as a C function
}

var fseLoaded struct {
	once sync.Once
	lib  *fseLib
	err  error
}

// loadFSEvents binds the libraries once per process.
func loadFSEvents() (*fseLib, error) {
	fseLoaded.once.Do(func() {
		fseLoaded.lib, fseLoaded.err = bindFSEvents()
	})
	return fseLoaded.lib, fseLoaded.err
}

func bindFSEvents() (*fseLib, error) {
	open := func(path string) (uintptr, error) {
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			return 0, fmt.Errorf("loading %s: %v", path, err)
		}
		return h, nil
	}
	cs, err := open(libCoreServices)
	if err != nil {
		return nil, err
	}
	cf, err := open(libCoreFoundation)
	if err != nil {
		return nil, err
	}
	sys, err := open(libSystem)
	if err != nil {
		return nil, err
	}
	l := &fseLib{}
	for _, b := range []struct {
		fptr any
		lib  uintptr
		name string
	}{
		{&l.streamCreate, cs, "FSEventStreamCreate"},
		{&l.setQueue, cs, "FSEventStreamSetDispatchQueue"},
		{&l.start, cs, "FSEventStreamStart"},
		{&l.flushSync, cs, "FSEventStreamFlushSync"},
		{&l.stop, cs, "FSEventStreamStop"},
		{&l.invalidate, cs, "FSEventStreamInvalidate"},
		{&l.release, cs, "FSEventStreamRelease"},
		{&l.cfStringCreate, cf, "CFStringCreateWithCString"},
		{&l.cfArrayCreate, cf, "CFArrayCreate"},
		{&l.cfRelease, cf, "CFRelease"},
		{&l.queueCreate, sys, "dispatch_queue_create"},
		{&l.queueRelease, sys, "dispatch_release"},
	} {
		sym, err := purego.Dlsym(b.lib, b.name)
		if err != nil || sym == 0 {
			return nil, fmt.Errorf("looking up %s: %v", b.name, err)
		}
		purego.RegisterFunc(b.fptr, sym)
	}
	l.arrayCallbacks, err = purego.Dlsym(cf, "kCFTypeArrayCallBacks")
	if err != nil || l.arrayCallbacks == 0 {
		return nil, fmt.Errorf("looking up kCFTypeArrayCallBacks: %v", err)
	}
	l.callback = purego.NewCallback(fseCallback)
	return l, nil
}

// fseStreams maps the callback's info value to its stream: the C side holds an
// integer, never a Go pointer.
var fseStreams struct {
	sync.Mutex
	m    map[uintptr]*fsStream
	next uintptr
}

// fseCallback is FSEventStreamCallback. It runs on the stream's dispatch queue.
func fseCallback(stream, info, n uintptr, paths, flags, ids unsafe.Pointer) {
	fseStreams.Lock()
	s := fseStreams.m[info]
	fseStreams.Unlock()
	if s == nil || n == 0 {
		return
	}
	ps := unsafe.Slice((**byte)(paths), n)
	fs := unsafe.Slice((*uint32)(flags), n)
	is := unsafe.Slice((*uint64)(ids), n)
	events := make([]fsEvent, n)
	for i := range events {
		events[i] = fsEvent{Path: goString(ps[i]), Flags: fs[i], ID: is[i]}
	}
	s.deliver(events)
}

// goString copies a NUL-terminated C string.
func goString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// fsStream is the FSEvents backend of one Watcher.
type fsStream struct {
	w   *Watcher
	lib *fseLib
	id  uintptr

	trMu sync.Mutex
	tr   fsTranslator

	mu    sync.Mutex // serializes the stream's life with flushes
	ref   uintptr    // the FSEventStreamRef; 0 when stopped
	queue uintptr
}

func startNative(w *Watcher) error {
	lib, err := loadFSEvents()
	if err != nil {
		return fmt.Errorf("%w: FSEvents: %v", ErrUnavailable, err)
	}
	if w.opts.MarkerDir != "" {
		if err := w.prepareMarkers(); err != nil {
			w.noMarkers(err)
		}
	}
	s := &fsStream{w: w, lib: lib, queue: lib.queueCreate(fseQueueLabel, 0)}
	if s.queue == 0 {
		return fmt.Errorf("%w: FSEvents: no dispatch queue", ErrUnavailable)
	}
	s.retranslate()
	fseStreams.Lock()
	if fseStreams.m == nil {
		fseStreams.m = map[uintptr]*fsStream{}
	}
	fseStreams.next++
	s.id = fseStreams.next
	fseStreams.m[s.id] = s
	fseStreams.Unlock()
	w.native, w.name = s, "FSEvents"
	s.mu.Lock()
	err = s.open()
	s.mu.Unlock()
	if err != nil {
		s.close()
		return fmt.Errorf("%w: FSEvents: %v", ErrUnavailable, err)
	}
	if info, err := os.Stat(w.root); err != nil || !info.IsDir() {
		w.mu.Lock()
		w.loseRoot()
		w.mu.Unlock()
	}
	return nil
}

// retranslate sets the translator up with the root's and marker directory's current
// spellings.
func (s *fsStream) retranslate() {
	tr := fsTranslator{roots: spellings(s.w.root), ignore: s.w.opts.Ignore}
	if s.w.opts.MarkerDir != "" {
		tr.markers = spellings(s.w.opts.MarkerDir)
	}
	s.trMu.Lock()
	s.tr = tr
	s.trMu.Unlock()
}

// spellings returns p made absolute, and with symbolic links resolved (of its
// nearest existing ancestor when p does not exist): FSEvents reports resolved paths.
func spellings(p string) []string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = filepath.Clean(p)
	}
	out := []string{abs}
	rest := ""
	for dir := abs; ; {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			if r := filepath.Join(real, rest); r != abs {
				out = append(out, r)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
	return out
}

// open creates and starts the stream (under mu).
func (s *fsStream) open() error {
	paths := []string{s.w.root}
	if s.w.opts.MarkerDir != "" {
		paths = append(paths, s.w.opts.MarkerDir)
	}
	l := s.lib
	refs := make([]uintptr, 0, len(paths))
	defer func() {
		for _, r := range refs {
			l.cfRelease(r)
		}
	}()
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		r := l.cfStringCreate(0, abs, cfStringEncodingUTF8)
		if r == 0 {
			return fmt.Errorf("cannot make a CFString of %q", abs)
		}
		refs = append(refs, r)
	}
	array := l.cfArrayCreate(0, &refs[0], len(refs), l.arrayCallbacks)
	if array == 0 {
		return fmt.Errorf("cannot make the array of paths")
	}
	defer l.cfRelease(array)
	ctx := fseContext{version: fseContextVersion0, info: s.id}
	ref := l.streamCreate(0, l.callback, &ctx, array, fseSinceNow, fseLatency,
		fseCreateFileEvents|fseCreateWatchRoot|fseCreateNoDefer)
	if ref == 0 {
		return fmt.Errorf("FSEventStreamCreate failed for %s", s.w.root)
	}
	l.setQueue(ref, s.queue)
	if !l.start(ref) {
		l.invalidate(ref)
		l.release(ref)
		return fmt.Errorf("FSEventStreamStart failed for %s", s.w.root)
	}
	s.ref = ref
	return nil
}

// shut stops and releases the stream (under mu).
func (s *fsStream) shut() {
	if s.ref == 0 {
		return
	}
	s.lib.stop(s.ref)
	s.lib.invalidate(s.ref)
	s.lib.release(s.ref)
	s.ref = 0
}

// deliver handles one callback's events.
func (s *fsStream) deliver(events []fsEvent) {
	if !s.w.delay() {
		return
	}
	s.trMu.Lock()
	b := s.tr.translate(events)
	s.trMu.Unlock()
	s.w.record(b)
}

// flush has FSEvents deliver what it holds back; the callback records it before
// FSEventStreamFlushSync returns.
func (s *fsStream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ref != 0 {
		s.lib.flushSync(s.ref)
	}
}

// reattach starts a new stream once a lost root is back: the root may be another
// directory now, reached through other links.
func (s *fsStream) reattach() error {
	s.retranslate()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut()
	return s.open()
}

func (s *fsStream) close() error {
	fseStreams.Lock()
	delete(fseStreams.m, s.id)
	fseStreams.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut()
	if s.queue != 0 {
		s.lib.queueRelease(s.queue)
		s.queue = 0
	}
	return nil
}
