package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkForwardThroughput moves 64 MB per operation through a ferry forward and
// through `ssh -L`, over the same throwaway sshd, to the same service (uploads,
// acknowledged by the service). Run with: go test -run XXX -bench Forward ./bench/
func BenchmarkForwardThroughput(b *testing.B) {
	for _, t := range forwardTunnels(b) {
		b.Run(strings.ReplaceAll(t.Name, " ", ""), func(b *testing.B) {
			const n = 64 << 20
			b.SetBytes(n)
			for b.Loop() {
				if _, err := Upload(t.Data, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkForwardConnect measures connect-to-first-byte through a ferry forward and
// through `ssh -L`: one connection per operation, sending a one-byte request and
// reading the one-byte response.
func BenchmarkForwardConnect(b *testing.B) {
	for _, t := range forwardTunnels(b) {
		b.Run(strings.ReplaceAll(t.Name, " ", ""), func(b *testing.B) {
			for b.Loop() {
				if _, err := FirstByte(t.Data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// forwardTunnels starts an sshd, a ferry daemon built from this tree, the service,
// and both tunnels to it, all stopped when b ends.
func forwardTunnels(b *testing.B) []*Tunnel {
	bin := buildBinaries(b)
	e, err := NewEnv(b, Settings{Quick: true, Bin: bin}, b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := StartService()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Close)
	f, err := e.StartFerry("bench")
	if err != nil {
		b.Fatal(err)
	}
	ft, err := e.FerryTunnel(f, svc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ft.Close() })
	st, err := e.SSHTunnel(svc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return []*Tunnel{ft, st}
}

// buildBinaries builds ferry and this platform's agent into a temp dir laid out as
// make build lays out bin/ (the Go build cache makes the second build cheap).
func buildBinaries(b *testing.B) string {
	dir := b.TempDir()
	for _, target := range []struct{ out, pkg string }{
		{"ferry", "github.com/ferrysync/ferry/cmd/ferry"},
		{"agents/ferry-agent-" + runtime.GOOS + "-" + runtime.GOARCH, "github.com/ferrysync/ferry/cmd/ferry-agent"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, target.out), target.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", target.pkg, err, out)
		}
	}
	return dir
}
