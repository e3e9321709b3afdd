// Package url parses the endpoints of a sync session: a local path, a
// directory on an SSH host written as [user@]host[:port]:path, or a directory
// in a container written docker://[user@]container/path or
// podman://[user@]container/path.
//
// Invariants:
//
//   - Parse never touches the file system or the network and never reads the
//     password database: it reads only $HOME (to expand a local "~") and, for
//     Parse alone, the working directory. ParseWithCwd reads $HOME only.
//   - A local URL (Host == "") always has an absolute, clean Path: relative
//     paths are joined to the working directory and "~" is expanded with
//     $HOME. The one exception is a Windows drive path ("C:\x", "C:/x"),
//     which is kept as written (slashes unified, cleaned).
//   - A remote URL's Path is never relative in the plain sense: it is either
//     absolute ("/srv/app") or relative to the remote user's home, written
//     "~" or "~/rest". Relative remote input ("app", "./app") becomes
//     "~/app"; the remote side resolves "~", never this package.
//   - Round trip: for every URL u returned by Parse, Parse(u.String())
//     returns u again (FuzzParse checks this).
//   - Ambiguous input is an error that says how to write what was meant,
//     never a guess. In particular:
//     "host:" (empty remote path) is refused rather than read as the
//     remote home, because syncing a whole home directory by accident can
//     destroy data; write "host:~" for that.
//     "host:2222" is refused: it could be port 2222 or the remote path
//     "2222"; write "host:2222:path" or "host:./2222".
//     A one-letter host without a user ("c:x") is refused because it reads
//     as a Windows drive; write "user@c:x" for the host, "C:\x" for the
//     drive.
//     "scheme://..." is refused whatever the scheme: "docker://ctr/app"
//     would otherwise read as the path "/ctr/app" on an SSH host named
//     "docker". Container endpoints (docker://, podman://, kubernetes://)
//     get a message of their own, as they are the likely intent.
//
// Which strings are local: anything starting with "/", "./", "../", "~",
// "." or "..", a Windows drive path, and anything whose first ":" comes
// after a "/" or that has no ":" at all (as scp decides). Write "./name:x"
// for a local file whose name contains a colon.
//
// Remote hosts are ssh-config aliases, host names or IPv4 addresses, or
// IPv6 addresses in brackets ("[::1]:/srv", "user@[fe80::1%eth0]:22:/srv").
// The port, when present, is 1 to 65535; 0 in URL.Port means "the default
// from the ssh config". "~user" paths are not supported on either side.
//
// A container URL has Engine set and the container's name or id in Host; its
// path after the container's "/" is absolute ("docker://web/srv/app" is
// /srv/app) unless it starts with "~" ("docker://web/~/app" is ~/app in the
// home of the container's user). "docker://web" without a path is refused,
// as "host:" is.
package url
