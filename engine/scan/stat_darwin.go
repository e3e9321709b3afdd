package scan

import (
	"io/fs"
	"syscall"
)

func platformKey(info fs.FileInfo, k *StatKey) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		k.ChangeTime = st.Ctimespec.Nano()
		k.Inode = st.Ino
		k.Device = uint64(st.Dev)
	}
}
