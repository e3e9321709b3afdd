package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// replicasFile records the replica identifier each side had when the session last
// agreed with it.
const replicasFile = "replicas.json"

// checkReplicas compares the sides' replica identifiers with those recorded, recording
// them the first time. A side whose identifier changed (its endpoint state was lost:
// for instance a container recreated under the same name) halts the session until it
// is reset.
func checkReplicas(dir string, spec Spec, alpha, beta string) error {
	path := filepath.Join(dir, replicasFile)
	var rec map[string]string
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
	}
	now := map[string]string{"alpha": alpha, "beta": beta}
	for _, side := range []string{"alpha", "beta"} {
		if was, ok := rec[side]; ok && was != now[side] && now[side] != "" {
			url := spec.Alpha
			if side == "beta" {
				url = spec.Beta
			}
			return &haltError{StatusHaltedReplicaChanged, fmt.Sprintf(
				"%s (%s) is not the replica this session synchronized with: its ferry state is gone (was the machine or container recreated, or ~/.ferry deleted?). Nothing is propagated; run \"ferry sync reset\" to merge both sides afresh",
				side, url)}
		}
	}
	if len(rec) == 2 {
		return nil
	}
	data, _ = json.Marshal(now)
	return WriteFileAtomic(path, data, 0o600)
}
