package agent

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/memory"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// handle is an open endpoint.
type handle struct {
	ep     *local.Endpoint
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	sent *tree.Entry // the tree the daemon has, for sending scans as patches
}

func (a *Agent) lookup(d *agentwire.Decoder) (*handle, error) {
	id := d.Uvarint()
	if err := d.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.endpoints[id]
	if h == nil {
		return nil, fmt.Errorf("no endpoint %d", id)
	}
	return h, nil
}

// root resolves an endpoint path on this host.
func (a *Agent) root(p string) (string, error) {
	switch {
	case p == "~":
		return a.opts.Home, nil
	case strings.HasPrefix(p, "~/"):
		return filepath.Join(a.opts.Home, filepath.FromSlash(p[2:])), nil
	case filepath.IsAbs(p):
		return filepath.Clean(p), nil
	}
	return "", fmt.Errorf("the remote path %q must be absolute or start with ~/", p)
}

// serveEndpoint opens an endpoint, then relays its change notifications until the
// stream closes, which closes the endpoint.
func (a *Agent) serveEndpoint(c *agentwire.Conn, payload []byte) error {
	var req agentwire.EndpointOpen
	if err := json.Unmarshal(payload, &req); err != nil {
		return c.ReplyError(fmt.Errorf("bad open request: %v", err))
	}
	ep, err := a.open(req)
	if err != nil {
		return c.ReplyError(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &handle{ep: ep, ctx: ctx, cancel: cancel}
	a.mu.Lock()
	a.next++
	id := a.next
	a.endpoints[id] = h
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.endpoints, id)
		a.mu.Unlock()
		cancel()
		ep.Close()
	}()
	if err := c.Reply(agentwire.AppendString(binary.AppendUvarint(nil, id), ep.Replica())); err != nil {
		return err
	}
	closed := make(chan error, 1)
	go func() {
		_, _, err := c.Read(nil) // the daemon sends nothing more: this returns at close
		closed <- err
	}()
	for {
		select {
		case err := <-closed:
			return err
		case _, ok := <-ep.Changes():
			if !ok {
				return nil
			}
			if err := c.Send(agentwire.TypeChanged, nil); err != nil {
				return err
			}
		}
	}
}

func (a *Agent) open(req agentwire.EndpointOpen) (*local.Endpoint, error) {
	root, err := a.root(req.Path)
	if err != nil {
		return nil, err
	}
	var cfg local.Config
	if err := json.Unmarshal(req.Config, &cfg); err != nil {
		return nil, fmt.Errorf("bad configuration: %v", err)
	}
	if err := local.PrepareRoot(root, req.Create); err != nil {
		return nil, err
	}
	name := req.Session + "-" + req.Side
	if strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") {
		return nil, fmt.Errorf("bad session name %q", name)
	}
	opts, err := local.OptionsFor(cfg, local.Paths{
		Cache:   filepath.Join(a.opts.DataDir, "caches", name+".cache"),
		Staging: filepath.Join(a.opts.DataDir, "staging", name),
		Trash:   filepath.Join(a.opts.DataDir, "trash", name),
		Replica: filepath.Join(a.opts.DataDir, "replicas", name),
		Markers: filepath.Join(a.opts.DataDir, "markers", name),
		Lock:    filepath.Join(a.opts.DataDir, "locks", name),
	})
	if err != nil {
		return nil, err
	}
	if err := mkdirAll(filepath.Join(a.opts.DataDir, "caches")); err != nil {
		return nil, err
	}
	return local.Open(root, opts)
}

// serveCall runs one endpoint method.
func (a *Agent) serveCall(c *agentwire.Conn, payload []byte) error {
	d := agentwire.NewDecoder(payload)
	h, err := a.lookup(d)
	if err != nil {
		return c.ReplyError(err)
	}
	method := d.Byte()
	start := time.Now()
	// A long scan or transition leaves garbage a watching agent does not need.
	defer func() { memory.ReleaseAfter(time.Since(start)) }()
	var out []byte
	switch method {
	case agentwire.MethodScan:
		flags, have := d.Byte(), d.Digest()
		opts := agentwire.ParseScanFlags(flags)
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		res, err := h.ep.Scan(h.ctx, opts)
		if err != nil {
			return c.ReplyError(err)
		}
		h.mu.Lock()
		// Send what changed since the tree the daemon says it has, or everything when
		// it has something else.
		var patches []tree.Patch
		if h.sent != nil && have == h.sent.Hash() {
			patches = tree.Diff(h.sent, res.Root)
		} else {
			patches = []tree.Patch{{Path: "", Entry: res.Root}}
		}
		h.sent = res.Root
		h.mu.Unlock()
		out = agentwire.AppendPatches(nil, patches)
		root := res.Root.Hash()
		out = append(out, root[:]...)
		out = agentwire.AppendString(out, res.Watch)
		out = agentwire.AppendString(out, res.WatchProblem)
		out = append(out, boolByte(res.NoExecutability))
		out = agentwire.AppendString(out, res.RootID)
		out = append(out, boolByte(res.Changing))
		out = agentwire.AppendFileSystem(out, res.FileSystem)
		if flags&agentwire.ScanPrefetch != 0 {
			out = agentwire.AppendContents(out, prefetch(h.ctx, h.ep, patches))
		}
	case agentwire.MethodStage:
		signatures := d.Byte() == 1
		files := d.StageFiles()
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		needed, err := h.ep.Stage(h.ctx, files, signatures)
		if err != nil {
			return c.ReplyError(err)
		}
		out = agentwire.AppendNeeded(nil, needed)
	case agentwire.MethodTransition:
		changes := d.Changes()
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		results, problems, err := h.ep.Transition(h.ctx, changes)
		if err != nil {
			return c.ReplyError(err)
		}
		h.mu.Lock()
		h.sent = agentwire.ApplyResults(h.sent, changes, results)
		h.mu.Unlock()
		out = agentwire.AppendProblems(agentwire.AppendTrees(nil, results), problems)
	case agentwire.MethodTransitionWith:
		changes, contents := d.Changes(), d.Contents()
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		staged := h.ep.StageContents(contents, endpoint.PathsByDigest(changes))
		results, problems, err := h.ep.Transition(h.ctx, changes)
		if err != nil {
			return c.ReplyError(err)
		}
		h.mu.Lock()
		h.sent = agentwire.ApplyResults(h.sent, changes, results)
		h.mu.Unlock()
		out = agentwire.AppendProblems(agentwire.AppendTrees(nil, results), append(staged, problems...))
	case agentwire.MethodReadFile:
		p, limit := d.Path(), int64(d.Uvarint())
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		data, err := h.ep.ReadFile(h.ctx, p, limit)
		if err != nil {
			return c.ReplyError(err)
		}
		out = data
	case agentwire.MethodTrash:
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		items, err := h.ep.Trash(h.ctx)
		if err != nil {
			return c.ReplyError(err)
		}
		out = agentwire.AppendTrash(nil, items)
	case agentwire.MethodRestore:
		batch, p, to := d.String(), d.Path(), d.Path()
		if err := d.Done(); err != nil {
			return c.ReplyError(err)
		}
		if err := h.ep.Restore(h.ctx, batch, p, to); err != nil {
			return c.ReplyError(err)
		}
	default:
		return c.ReplyError(fmt.Errorf("unknown method %d", method))
	}
	return c.Reply(out)
}

// serveReceive feeds the endpoint's receiver from the stream.
func (a *Agent) serveReceive(c *agentwire.Conn, payload []byte) error {
	h, err := a.lookup(agentwire.NewDecoder(payload))
	if err != nil {
		return c.ReplyError(err)
	}
	r, err := h.ep.Receiver(h.ctx)
	if err != nil {
		return c.ReplyError(err)
	}
	if err := agentwire.Receive(c, r, agentwire.TypeClose); err != nil {
		r.Close()
		return err
	}
	problems, err := r.Close()
	if err != nil {
		return c.ReplyError(err)
	}
	return c.Reply(agentwire.AppendProblems(nil, problems))
}

// serveSupply supplies contents onto the stream.
func (a *Agent) serveSupply(c *agentwire.Conn, payload []byte) error {
	d := agentwire.NewDecoder(payload)
	h, err := a.lookup(d)
	if err != nil {
		return c.ReplyError(err)
	}
	compress := d.Byte() == 1
	needed := d.Needed()
	if err := d.Done(); err != nil {
		return c.ReplyError(err)
	}
	s := agentwire.NewSender(c, compress)
	if err := h.ep.Supply(h.ctx, needed, s); err != nil {
		return c.ReplyError(err)
	}
	return c.Send(agentwire.TypeDone, nil)
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// prefetch reads the contents Prefetch picks from patches, each checked against its
// digest: a file written since its scan is left out (the daemon stages it the usual
// way).
func prefetch(ctx context.Context, ep *local.Endpoint, patches []tree.Patch) []endpoint.Content {
	files := agentwire.Prefetch(patches)
	out := make([]endpoint.Content, 0, len(files))
	for _, f := range files {
		data, err := ep.ReadFile(ctx, f.Path, agentwire.PrefetchFileMax)
		if err != nil || scan.Digest(data) != f.Digest {
			continue
		}
		out = append(out, endpoint.Content{Digest: f.Digest, Data: data})
	}
	return out
}
