package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/tree"
)

// replicasFile records, per side, the replica identifier the side's endpoint had
// ("alpha", "beta") and the identity of its root directory ("alpha-root",
// "beta-root") when the session last agreed with it.
const replicasFile = "replicas.json"

func loadReplicas(dir string) (map[string]string, error) {
	path := filepath.Join(dir, replicasFile)
	rec := map[string]string{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return rec, nil
	case err != nil:
		return nil, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return rec, nil
}

func saveReplicas(dir string, rec map[string]string) error {
	data, _ := json.Marshal(rec)
	return registry.WriteFileAtomic(filepath.Join(dir, replicasFile), data, 0o600)
}

// checkReplicas compares the sides' replica identifiers with those recorded, recording
// them the first time. A side whose identifier changed (its endpoint state was lost:
// for instance a container recreated under the same name) halts the session until it
// is reset.
func checkReplicas(dir string, spec Spec, alpha, beta string) error {
	rec, err := loadReplicas(dir)
	if err != nil {
		return err
	}
	now := map[string]string{"alpha": alpha, "beta": beta}
	changed := false
	for _, side := range []string{"alpha", "beta"} {
		was, ok := rec[side]
		switch {
		case ok && was != now[side] && now[side] != "":
			return &haltError{StatusHaltedReplicaChanged, fmt.Sprintf(
				"%s (%s) is not the replica this session synchronized with: its ferry state is gone (was the machine or container recreated, or ~/.ferry deleted?). Nothing is propagated; run \"ferry sync reset\" to merge both sides afresh",
				side, spec.url(side))}
		case !ok:
			rec[side], changed = now[side], true
		}
	}
	if !changed {
		return nil
	}
	return saveReplicas(dir, rec)
}

// checkRootIDs compares the identity of each side's root directory with the one
// recorded, recording it the first time. A root replaced by another folder under the
// same path (deleted and restored from a copy, say) would otherwise look like a side
// whose every file changed back: once the session has synchronized anything, such a
// side halts it until it is reset. Missing roots are the root-loss halts' business.
func checkRootIDs(dir string, spec Spec, anc *tree.Entry, ids [2]string) error {
	rec, err := loadReplicas(dir)
	if err != nil {
		return err
	}
	synced := anc != nil && anc.Kind == tree.Directory && len(anc.Contents) > 0
	changed := false
	for i, side := range []string{"alpha", "beta"} {
		key := side + "-root"
		switch was := rec[key]; {
		case ids[i] == "" || was == ids[i]:
		case was != "" && synced:
			return &haltError{StatusHaltedReplicaChanged, fmt.Sprintf(
				"the %s root %s is another folder than the one this session synchronized with (it was replaced, for instance deleted and restored from a copy); nothing is propagated. If this folder is the one to keep syncing, run \"ferry sync reset %s\" to merge both sides afresh (what differs becomes a conflict)",
				side, spec.url(side), spec.label())}
		default:
			rec[key], changed = ids[i], true
		}
	}
	if !changed {
		return nil
	}
	return saveReplicas(dir, rec)
}
