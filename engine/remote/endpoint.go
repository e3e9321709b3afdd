package remote

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/tree"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// Opener returns the session transport for SSH and container endpoints.
func (p *Pool) Opener() session.Opener {
	return func(ctx context.Context, req session.EndpointRequest) (endpoint.Endpoint, error) {
		h, release, err := p.Acquire(ctx, req.URL)
		if err != nil {
			return nil, err
		}
		e, err := openEndpoint(ctx, h, req)
		if err != nil {
			release()
			return nil, err
		}
		e.release = release
		return e, nil
	}
}

// Endpoint proxies endpoint.Endpoint to an agent.
type Endpoint struct {
	host    *Host
	handle  uint64
	replica string
	last    *tree.Entry // the agent's last scan, patched by each Scan and Transition
	lastRes *endpoint.ScanResult
	// dirty is set when the agent reported a change since the last scan was asked for:
	// a scan of a side that reported none returns the tree held, without a round trip.
	dirty atomic.Bool
	// ahead holds the contents the last scan sent with its result (agentwire.Prefetch),
	// by digest: Supply takes them from here instead of asking the agent.
	aheadMu sync.Mutex
	ahead   map[tree.Digest][]byte

	events  *agentwire.Conn
	changes chan struct{}
	release func()

	closeOnce sync.Once
	closed    chan struct{}
	mu        sync.Mutex
	err       error // why the endpoint failed
}

func openEndpoint(ctx context.Context, h *Host, req session.EndpointRequest) (*Endpoint, error) {
	cfg, err := json.Marshal(req.Config)
	if err != nil {
		return nil, err
	}
	open, err := json.Marshal(agentwire.EndpointOpen{Session: req.Session, Side: req.Side, Path: req.URL.Path, Config: cfg, Create: req.Create})
	if err != nil {
		return nil, err
	}
	s, err := h.Open()
	if err != nil {
		return nil, err
	}
	c := agentwire.NewConn(s)
	stop := closeOnDone(ctx, s)
	payload, err := func() ([]byte, error) {
		if err := c.Send(agentwire.KindEndpoint, open); err != nil {
			return nil, err
		}
		return c.Expect(agentwire.TypeOK)
	}()
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		s.Close()
		return nil, h.explain(err)
	}
	d := agentwire.NewDecoder(payload)
	handle, replica := d.Uvarint(), d.String()
	if err := d.Done(); err != nil {
		s.Close()
		return nil, err
	}
	if id := h.link.identity(); id != "" {
		// A container recreated under its name is another replica even when its
		// ferry state survived (a volume holding the home directory).
		replica += " in " + id
	}
	e := &Endpoint{host: h, handle: handle, replica: replica, events: c, changes: make(chan struct{}, 1), closed: make(chan struct{})}
	e.dirty.Store(true)
	go e.relayChanges()
	return e, nil
}

// explain turns a stream failure into the host's failure, and keeps agent errors.
func (h *Host) explain(err error) error {
	var re *agentwire.RemoteError
	if errors.As(err, &re) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return h.failure(err)
}

// relayChanges turns the agent's change messages into notifications; it closes
// Changes when the stream or connection ends.
func (e *Endpoint) relayChanges() {
	defer close(e.changes)
	for {
		typ, _, err := e.events.Read(nil)
		if err != nil {
			select {
			case <-e.closed:
			default:
				e.fail(e.host.explain(err))
			}
			return
		}
		if typ == agentwire.TypeChanged {
			e.dirty.Store(true)
			select {
			case e.changes <- struct{}{}:
			default:
			}
		}
	}
}

func (e *Endpoint) fail(err error) {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

// Changes implements endpoint.Endpoint.
func (e *Endpoint) Changes() <-chan struct{} { return e.changes }

// Replica implements endpoint.Endpoint.
func (e *Endpoint) Replica() string { return e.replica }

// closeOnDone closes s if ctx ends before stop is called; stop reports whether it was
// called in time.
func closeOnDone(ctx context.Context, s net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { s.Close() })
}

// call runs one method on the agent.
func (e *Endpoint) call(ctx context.Context, method byte, args []byte) ([]byte, error) {
	select {
	case <-e.closed:
		return nil, endpoint.ErrClosed
	default:
	}
	s, err := e.host.Open()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	stop := closeOnDone(ctx, s)
	defer stop()
	c := agentwire.NewConn(s)
	msg := binary.AppendUvarint(nil, e.handle)
	msg = append(msg, method)
	msg = append(msg, args...)
	if err := c.Send(agentwire.KindCall, msg); err != nil {
		return nil, e.callError(ctx, err)
	}
	out, err := c.Expect(agentwire.TypeOK)
	if err != nil {
		return nil, e.callError(ctx, err)
	}
	return out, nil
}

func (e *Endpoint) callError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return e.host.explain(err)
}

// Scan implements endpoint.Endpoint. The agent sends what changed since the tree this
// proxy holds, which costs little when little changed; a patched tree whose hash
// differs from the agent's is dropped and the whole tree asked for.
func (e *Endpoint) Scan(ctx context.Context, opts endpoint.ScanOptions) (*endpoint.ScanResult, error) {
	if !opts.Full && !opts.Barrier && !e.dirty.Load() && e.last != nil && e.lastRes != nil {
		// Nothing was reported since the last scan: what the agent holds is what this
		// proxy holds (transitions patch both alike).
		res := *e.lastRes
		res.Root = e.last
		return &res, nil
	}
	// Cleared before asking: a change reported while the agent scans makes the next
	// scan ask again.
	e.dirty.Store(false)
	for attempt := 0; ; attempt++ {
		arg := []byte{agentwire.ScanFlags(opts) | agentwire.ScanPrefetch}
		have := e.last.Hash()
		out, err := e.call(ctx, agentwire.MethodScan, append(arg, have[:]...))
		if err != nil {
			return nil, err
		}
		d := agentwire.NewDecoder(out)
		patches, want := d.Patches(), d.Digest()
		res := &endpoint.ScanResult{Watch: d.String(), WatchProblem: d.String(), NoExecutability: d.Byte() == 1, RootID: d.String(), Changing: d.Byte() == 1, FileSystem: d.FileSystem()}
		contents := d.Contents()
		if err := d.Done(); err != nil {
			return nil, err
		}
		e.keepAhead(contents)
		for _, p := range patches {
			if p.Path != "" && tree.Lookup(e.last, parentOf(p.Path)) == nil {
				err = fmt.Errorf("the agent patched %q, which has no parent here", p.Path)
			}
		}
		if err == nil {
			res.Root = tree.ApplyPatches(e.last, patches)
			if res.Root.Hash() == want {
				e.last = res.Root
				kept := *res
				kept.Root = nil
				e.lastRes = &kept
				return res, nil
			}
			err = errors.New("the patched scan does not match the agent's")
		}
		e.last = nil
		if attempt > 0 {
			return nil, fmt.Errorf("scan out of step with the agent: %w", err)
		}
	}
}

func parentOf(p string) string {
	parent, _ := tree.Split(p)
	return parent
}

// Stage implements endpoint.Endpoint.
func (e *Endpoint) Stage(ctx context.Context, files []endpoint.StageFile, signatures bool) ([]endpoint.Needed, error) {
	arg := []byte{0}
	if signatures {
		arg[0] = 1
	}
	out, err := e.call(ctx, agentwire.MethodStage, agentwire.AppendStageFiles(arg, files))
	if err != nil {
		return nil, err
	}
	d := agentwire.NewDecoder(out)
	needed := d.Needed()
	return needed, d.Done()
}

// Transition implements endpoint.Endpoint.
func (e *Endpoint) Transition(ctx context.Context, changes []tree.Change) ([]*tree.Entry, []endpoint.Problem, error) {
	out, err := e.call(ctx, agentwire.MethodTransition, agentwire.AppendChanges(nil, changes))
	if err != nil {
		return nil, nil, err
	}
	d := agentwire.NewDecoder(out)
	results, problems := d.Trees(), d.Problems()
	if err := d.Done(); err != nil {
		return nil, nil, err
	}
	if len(results) != len(changes) {
		return nil, nil, fmt.Errorf("the agent returned %d results for %d changes", len(results), len(changes))
	}
	// The agent patches the tree it last sent the same way, so both stay in step.
	e.last = agentwire.ApplyResults(e.last, changes, results)
	e.afterTransition(changes, problems)
	return results, problems, nil
}

// TransitionWith implements endpoint.InlineTransitioner: the changes and the contents
// they need go in one exchange.
func (e *Endpoint) TransitionWith(ctx context.Context, changes []tree.Change, contents []endpoint.Content) ([]*tree.Entry, []endpoint.Problem, error) {
	out, err := e.call(ctx, agentwire.MethodTransitionWith, agentwire.AppendContents(agentwire.AppendChanges(nil, changes), contents))
	if err != nil {
		return nil, nil, err
	}
	d := agentwire.NewDecoder(out)
	results, problems := d.Trees(), d.Problems()
	if err := d.Done(); err != nil {
		return nil, nil, err
	}
	if len(results) != len(changes) {
		return nil, nil, fmt.Errorf("the agent returned %d results for %d changes", len(results), len(changes))
	}
	e.last = agentwire.ApplyResults(e.last, changes, results)
	e.afterTransition(changes, problems)
	return results, problems, nil
}

// afterTransition makes the next scan ask the agent when the transition left it
// knowing more than the tree held here: paths it skipped are re-read there (their
// knowledge proved stale), and an ignore file that landed changes what its directory
// holds.
func (e *Endpoint) afterTransition(changes []tree.Change, problems []endpoint.Problem) {
	if len(problems) > 0 {
		e.dirty.Store(true)
		return
	}
	for _, c := range changes {
		_, path := scan.RulesFile(c.Path, true)
		_, from := scan.RulesFile(c.From, true)
		if path || (from && c.From != "") {
			e.dirty.Store(true)
			return
		}
	}
}

// ReadFile implements endpoint.Endpoint.
func (e *Endpoint) ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	args := agentwire.AppendString(nil, path)
	args = binary.AppendUvarint(args, uint64(limit))
	out, err := e.call(ctx, agentwire.MethodReadFile, args)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), out...), nil
}

// Trash implements endpoint.Endpoint.
func (e *Endpoint) Trash(ctx context.Context) ([]endpoint.TrashItem, error) {
	out, err := e.call(ctx, agentwire.MethodTrash, nil)
	if err != nil {
		return nil, err
	}
	d := agentwire.NewDecoder(out)
	items := d.Trash()
	return items, d.Done()
}

// Restore implements endpoint.Endpoint.
func (e *Endpoint) Restore(ctx context.Context, batch, path, to string) error {
	if to == "" {
		to = path
	}
	args := agentwire.AppendString(agentwire.AppendString(agentwire.AppendString(nil, batch), path), to)
	_, err := e.call(ctx, agentwire.MethodRestore, args)
	return err
}

// Receiver implements endpoint.Endpoint: what it is given streams to the agent.
func (e *Endpoint) Receiver(ctx context.Context) (endpoint.Receiver, error) {
	s, err := e.host.Open()
	if err != nil {
		return nil, err
	}
	c := agentwire.NewConn(s)
	if err := c.Write(agentwire.KindReceive, binary.AppendUvarint(nil, e.handle)); err != nil {
		s.Close()
		return nil, e.host.explain(err)
	}
	return &remoteReceiver{Sender: agentwire.NewSender(c, e.host.Compress()), s: s, e: e, stop: closeOnDone(ctx, s)}, nil
}

type remoteReceiver struct {
	*agentwire.Sender
	s    net.Conn
	e    *Endpoint
	stop func() bool
}

func (r *remoteReceiver) Close() ([]endpoint.Problem, error) {
	defer r.s.Close()
	defer r.stop()
	problems, err := r.Sender.Close()
	if err != nil {
		return nil, r.e.host.explain(err)
	}
	return problems, nil
}

// Supply implements endpoint.Endpoint: the agent reads the files and streams them.
func (e *Endpoint) Supply(ctx context.Context, needed []endpoint.Needed, r endpoint.Receiver) error {
	// What the last scan sent ahead goes at once (the receiver checks every digest);
	// only the rest is asked of the agent.
	rest, index, err := e.supplyAhead(needed, r)
	if err != nil || len(rest) == 0 {
		return err
	}
	if len(rest) < len(needed) {
		r = &reindexed{Receiver: r, index: index}
	}
	needed = rest
	s, err := e.host.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	stop := closeOnDone(ctx, s)
	defer stop()
	c := agentwire.NewConn(s)
	msg := binary.AppendUvarint(nil, e.handle)
	msg = append(msg, boolByte(e.host.Compress()))
	msg = agentwire.AppendNeeded(msg, needed)
	if err := c.Send(agentwire.KindSupply, msg); err != nil {
		return e.callError(ctx, err)
	}
	if err := agentwire.Receive(c, r, agentwire.TypeDone); err != nil {
		return e.callError(ctx, err)
	}
	return nil
}

// Close implements endpoint.Endpoint.
func (e *Endpoint) Close() error {
	e.closeOnce.Do(func() {
		close(e.closed)
		e.events.Close()
		if e.release != nil {
			e.release()
		}
	})
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// keepAhead replaces the contents held for Supply with those a scan sent.
func (e *Endpoint) keepAhead(contents []endpoint.Content) {
	e.aheadMu.Lock()
	defer e.aheadMu.Unlock()
	e.ahead = nil
	for _, c := range contents {
		if e.ahead == nil {
			e.ahead = make(map[tree.Digest][]byte, len(contents))
		}
		e.ahead[c.Digest] = c.Data
	}
}

// supplyAhead gives r each needed file whose contents the last scan sent ahead, and
// returns the others with, for each, its index in needed.
func (e *Endpoint) supplyAhead(needed []endpoint.Needed, r endpoint.Receiver) (rest []endpoint.Needed, index []int, err error) {
	e.aheadMu.Lock()
	ahead := e.ahead
	e.aheadMu.Unlock()
	if len(ahead) == 0 {
		return needed, nil, nil
	}
	for i, n := range needed {
		data, ok := ahead[n.Digest]
		if !ok || int64(len(data)) != n.Size {
			rest, index = append(rest, n), append(index, i)
			continue
		}
		if err := supplyWhole(r, i, data); err != nil {
			return nil, nil, err
		}
	}
	return rest, index, nil
}

// supplyWhole gives r the whole contents of needed[i] as literal data.
func supplyWhole(r endpoint.Receiver, i int, data []byte) error {
	if err := r.Begin(i); err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), delta.MaxDataLen)
		if err := r.Op(delta.Op{Kind: delta.OpData, Data: data[:n]}); err != nil {
			return err
		}
		data = data[n:]
	}
	return r.End()
}

// reindexed maps the indexes of a part of a needed list to the whole list's.
type reindexed struct {
	endpoint.Receiver
	index []int
}

func (r *reindexed) Begin(i int) error {
	if i < 0 || i >= len(r.index) {
		return fmt.Errorf("the agent supplied file %d of %d", i, len(r.index))
	}
	return r.Receiver.Begin(r.index[i])
}

func (r *reindexed) Skip(i int, reason string) error {
	if i < 0 || i >= len(r.index) {
		return fmt.Errorf("the agent skipped file %d of %d", i, len(r.index))
	}
	return r.Receiver.Skip(r.index[i], reason)
}
