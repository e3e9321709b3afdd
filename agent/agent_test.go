package agent

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/yamux"
	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// A transport gives the daemon's end of an agent's stdio, with the agent serving the
// other end; the same protocol runs over each, as yamux tests itself over several
// connection types.
type transport struct {
	name string
	// start serves the agent and returns the daemon's end; serve runs Serve and
	// returns when it has.
	start func(t *testing.T, serve func(in io.Reader, out io.Writer)) io.ReadWriteCloser
}

var transports = []transport{
	{"pipe", func(t *testing.T, serve func(io.Reader, io.Writer)) io.ReadWriteCloser {
		daemon, agent := net.Pipe()
		go func() {
			serve(agent, agent)
			agent.Close()
		}()
		return daemon
	}},
	{"yamux stream", func(t *testing.T, serve func(io.Reader, io.Writer)) io.ReadWriteCloser {
		// The agent's stdio is itself one stream of an outer yamux session.
		a, b := net.Pipe()
		outerClient, err := yamux.Client(a, agentwire.YamuxConfig())
		require.NoError(t, err)
		outerServer, err := yamux.Server(b, agentwire.YamuxConfig())
		require.NoError(t, err)
		t.Cleanup(func() { outerClient.Close(); outerServer.Close() })
		go func() {
			s, err := outerServer.Accept()
			if err == nil {
				serve(s, s)
				s.Close()
			}
		}()
		s, err := outerClient.Open()
		require.NoError(t, err)
		return s
	}},
	{"ssh channel", sshChannel},
}

// sshChannel serves the agent on an exec channel of an in-process SSH server on
// 127.0.0.1 and returns the client session's stdio.
func sshChannel(t *testing.T, serve func(io.Reader, io.Writer)) io.ReadWriteCloser {
	_, hostKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := gossh.NewSignerFromKey(hostKey)
	require.NoError(t, err)
	cfg := &gossh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		_, chans, reqs, err := gossh.NewServerConn(nc, cfg)
		if err != nil {
			return
		}
		go gossh.DiscardRequests(reqs)
		for nch := range chans {
			ch, reqs, err := nch.Accept()
			if err != nil {
				return
			}
			go func() {
				for r := range reqs {
					r.Reply(r.Type == "exec", nil)
					if r.Type == "exec" {
						go func() {
							serve(ch, ch)
							ch.Close()
						}()
					}
				}
			}()
		}
	}()
	client, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{User: "test",
		HostKeyCallback: gossh.FixedHostKey(signer.PublicKey()), Timeout: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	require.NoError(t, err)
	in, err := sess.StdinPipe()
	require.NoError(t, err)
	out, err := sess.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, sess.Start("ferry-agent agent"))
	return struct {
		io.Reader
		io.WriteCloser
	}{out, in}
}

// daemonSide is the daemon's end of an agent connection, speaking the wire directly.
type daemonSide struct {
	t    *testing.T
	mux  *yamux.Session
	root string
}

func connect(t *testing.T, tr transport) *daemonSide {
	t.Helper()
	data, home := t.TempDir(), t.TempDir()
	opts := Options{DataDir: data, Home: home, Build: "test-build", Log: log.New(io.Discard, "", 0)}
	served := make(chan struct{})
	rwc := tr.start(t, func(in io.Reader, out io.Writer) {
		defer close(served)
		Serve(in, out, opts)
	})
	// The agent saves its caches as it closes: wait for it before the temp dirs go.
	t.Cleanup(func() {
		rwc.Close()
		<-served
	})
	version, build, err := agentwire.ReadHello(rwc)
	require.NoError(t, err)
	require.Equal(t, uint64(agentwire.Version), version)
	require.Equal(t, "test-build", build)
	mux, err := yamux.Client(rwc, agentwire.YamuxConfig())
	require.NoError(t, err)
	t.Cleanup(func() { mux.Close() })
	return &daemonSide{t: t, mux: mux, root: filepath.Join(home, "root")}
}

// open opens the endpoint at ~/root and returns its event stream and handle.
func (d *daemonSide) open() (*agentwire.Conn, uint64) {
	s, err := d.mux.Open()
	require.NoError(d.t, err)
	c := agentwire.NewConn(s)
	req, err := json.Marshal(agentwire.EndpointOpen{Session: "sync_test", Side: "beta", Path: "~/root", Config: json.RawMessage(`{}`), Create: true})
	require.NoError(d.t, err)
	require.NoError(d.t, c.Send(agentwire.KindEndpoint, req))
	out, err := c.Expect(agentwire.TypeOK)
	require.NoError(d.t, err)
	dec := agentwire.NewDecoder(out)
	handle := dec.Uvarint()
	require.NotEmpty(d.t, dec.String(), "a replica identifier")
	require.NoError(d.t, dec.Done())
	return c, handle
}

// call runs one endpoint method and returns its reply.
func (d *daemonSide) call(handle uint64, method byte, args []byte) ([]byte, error) {
	s, err := d.mux.Open()
	require.NoError(d.t, err)
	defer s.Close()
	c := agentwire.NewConn(s)
	msg := append(binary.AppendUvarint(nil, handle), method)
	require.NoError(d.t, c.Send(agentwire.KindCall, append(msg, args...)))
	return c.Expect(agentwire.TypeOK)
}

// scan scans fully and returns the tree.
func (d *daemonSide) scan(handle uint64) *tree.Entry {
	var zero tree.Digest
	out, err := d.call(handle, agentwire.MethodScan, append([]byte{agentwire.ScanFlags(endpoint.ScanOptions{Full: true})}, zero[:]...))
	require.NoError(d.t, err)
	dec := agentwire.NewDecoder(out)
	patches := dec.Patches()
	require.NoError(d.t, dec.Err())
	return tree.ApplyPatches(nil, patches)
}

// TestAgentServesAnEndpoint runs the endpoint protocol end to end over each transport:
// the hello, opening an endpoint, a scan, staging and landing a file, the change
// notification for an edit, and an error for a handle that does not exist.
func TestAgentServesAnEndpoint(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			d := connect(t, tr)
			events, h := d.open()
			require.NoError(t, os.WriteFile(filepath.Join(d.root, "there.txt"), []byte("on the agent"), 0o644))

			root := d.scan(h)
			got := tree.Lookup(root, "there.txt")
			require.NotNil(t, got)
			require.Equal(t, scan.Digest([]byte("on the agent")), got.Digest)

			// Stage a new file, send its content, and land it.
			content := []byte("from the daemon")
			file := tree.NewFile(int64(len(content)), scan.Digest(content), false)
			out, err := d.call(h, agentwire.MethodStage, agentwire.AppendStageFiles([]byte{0}, []endpoint.StageFile{{Path: "new.txt", Digest: file.Digest, Size: file.Size}}))
			require.NoError(t, err)
			dec := agentwire.NewDecoder(out)
			needed := dec.Needed()
			require.NoError(t, dec.Done())
			require.Len(t, needed, 1)
			s, err := d.mux.Open()
			require.NoError(t, err)
			rc := agentwire.NewConn(s)
			require.NoError(t, rc.Write(agentwire.KindReceive, binary.AppendUvarint(nil, h)))
			snd := agentwire.NewSender(rc, true)
			require.NoError(t, snd.Begin(0))
			require.NoError(t, snd.Op(delta.Op{Kind: delta.OpData, Data: content}))
			require.NoError(t, snd.End())
			problems, err := snd.Close()
			require.NoError(t, err)
			require.Empty(t, problems)
			s.Close()
			out, err = d.call(h, agentwire.MethodTransition, agentwire.AppendChanges(nil, []tree.Change{{Path: "new.txt", New: file}}))
			require.NoError(t, err)
			dec = agentwire.NewDecoder(out)
			results, problems := dec.Trees(), dec.Problems()
			require.NoError(t, dec.Done())
			require.Empty(t, problems)
			require.True(t, tree.Equal(file, results[0]))
			landed, err := os.ReadFile(filepath.Join(d.root, "new.txt"))
			require.NoError(t, err)
			require.Equal(t, content, landed)

			// An edit on the agent's side is announced on the endpoint's stream.
			require.NoError(t, os.WriteFile(filepath.Join(d.root, "there.txt"), []byte("edited"), 0o644))
			for {
				typ, _, err := events.Read(nil)
				require.NoError(t, err)
				if typ == agentwire.TypeChanged {
					break
				}
			}

			_, err = d.call(h+100, agentwire.MethodScan, []byte{0})
			var re *agentwire.RemoteError
			require.ErrorAs(t, err, &re)
			require.Contains(t, re.Msg, "no endpoint")
		})
	}
}

// TestTransitionWithContents lands small files whose contents come with the changes,
// in one exchange; content that does not match its digest is refused and reported.
func TestTransitionWithContents(t *testing.T) {
	d := connect(t, transports[0])
	_, h := d.open()
	d.scan(h)
	good, bad := []byte("inline content"), []byte("not what was announced")
	gf := tree.NewFile(int64(len(good)), scan.Digest(good), false)
	bf := tree.NewFile(int64(len(bad)), scan.Digest([]byte("something else")), false)
	changes := []tree.Change{{Path: "good.txt", New: gf}, {Path: "bad.txt", New: bf}}
	contents := []endpoint.Content{{Digest: gf.Digest, Data: good}, {Digest: bf.Digest, Data: bad}}
	out, err := d.call(h, agentwire.MethodTransitionWith, agentwire.AppendContents(agentwire.AppendChanges(nil, changes), contents))
	require.NoError(t, err)
	dec := agentwire.NewDecoder(out)
	results, problems := dec.Trees(), dec.Problems()
	require.NoError(t, dec.Done())
	require.True(t, tree.Equal(gf, results[0]))
	require.Nil(t, results[1])
	landed, err := os.ReadFile(filepath.Join(d.root, "good.txt"))
	require.NoError(t, err)
	require.Equal(t, good, landed)
	require.NoFileExists(t, filepath.Join(d.root, "bad.txt"))
	var paths []string
	for _, p := range problems {
		paths = append(paths, p.Path)
	}
	require.Contains(t, paths, "bad.txt")
}

// TestScanSendsSmallContentsAhead: asked to, a scan sends the contents of the small
// files it found changed after its result, each matching its digest; never for a
// first scan (the whole root), nor for files above the bound, nor unasked.
func TestScanSendsSmallContentsAhead(t *testing.T) {
	d := connect(t, transports[0])
	_, h := d.open()
	require.NoError(t, os.WriteFile(filepath.Join(d.root, "first.txt"), []byte("in the first scan"), 0o644))
	scanWith := func(flags byte, have tree.Digest) ([]tree.Patch, []endpoint.Content) {
		out, err := d.call(h, agentwire.MethodScan, append([]byte{flags}, have[:]...))
		require.NoError(t, err)
		dec := agentwire.NewDecoder(out)
		patches := dec.Patches()
		dec.Digest()
		_, _ = dec.String(), dec.String() // watch, watch problem
		dec.Byte()
		_ = dec.String() // root identity
		dec.Byte()
		dec.FileSystem()
		var contents []endpoint.Content
		if flags&agentwire.ScanPrefetch != 0 {
			contents = dec.Contents()
		}
		require.NoError(t, dec.Done(), "nothing more in the reply")
		return patches, contents
	}
	patches, contents := scanWith(agentwire.ScanPrefetch, tree.Digest{})
	require.Empty(t, contents, "a first scan sends nothing ahead")
	root := tree.ApplyPatches(nil, patches)

	small := []byte("a small edit")
	require.NoError(t, os.WriteFile(filepath.Join(d.root, "small.txt"), small, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d.root, "big.bin"), make([]byte, agentwire.PrefetchFileMax+1), 0o644))
	patches, contents = scanWith(agentwire.ScanFlags(endpoint.ScanOptions{Barrier: true})|agentwire.ScanPrefetch, root.Hash())
	root = tree.ApplyPatches(root, patches)
	require.NotNil(t, tree.Lookup(root, "big.bin"))
	require.Equal(t, []endpoint.Content{{Digest: scan.Digest(small), Data: small}}, contents)

	require.NoError(t, os.WriteFile(filepath.Join(d.root, "small.txt"), []byte("edited again"), 0o644))
	patches, _ = scanWith(agentwire.ScanFlags(endpoint.ScanOptions{Barrier: true}), root.Hash())
	require.NotEmpty(t, patches, "unasked, the reply ends after the file system")
}
