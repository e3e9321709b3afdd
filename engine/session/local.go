package session

import (
	"context"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/url"
)

// OpenLocal is the transport for local endpoints. Caches and staging live in the
// session's state directory.
func OpenLocal(_ context.Context, req EndpointRequest) (endpoint.Endpoint, error) {
	root := req.URL.Path
	if err := local.PrepareRoot(root, req.Create); err != nil {
		return nil, err
	}
	opts, err := local.OptionsFor(req.Config.withDefaults().Config, local.Paths{
		Cache:   filepath.Join(req.StateDir, req.Side+".cache"),
		Staging: filepath.Join(req.StateDir, "staging-"+req.Side),
		Trash:   filepath.Join(req.StateDir, "trash-"+req.Side),
		Replica: filepath.Join(req.StateDir, "replica-"+req.Side),
		Markers: filepath.Join(req.StateDir, "markers-"+req.Side),
		Lock:    filepath.Join(req.StateDir, req.Side+".lock"),
	})
	if err != nil {
		return nil, err
	}
	return local.Open(root, opts)
}

// isLocal reports whether a session URL names a local path.
func isLocal(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.IsLocal()
}
