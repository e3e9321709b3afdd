package scan

import (
	"io/fs"
	"os"
)

// StatKey is the metadata that identifies a version of a file without reading it.
type StatKey struct {
	Size          int64
	ModTime       int64 // nanoseconds since the epoch
	ChangeTime    int64 // nanoseconds since the epoch; 0 where the OS has none
	Inode, Device uint64
	Mode          fs.FileMode
}

// KeyOf returns the stat key of info.
func KeyOf(info fs.FileInfo) StatKey {
	k := StatKey{Size: info.Size(), ModTime: info.ModTime().UnixNano(), Mode: info.Mode()}
	platformKey(info, &k)
	return k
}

// Lstat returns the stat key of the file at path, without following a symbolic link.
func Lstat(path string) (StatKey, fs.FileInfo, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return StatKey{}, nil, err
	}
	return KeyOf(info), info, nil
}

// Executable reports whether mode has any executable bit set.
func Executable(mode fs.FileMode) bool { return mode&0o111 != 0 }
