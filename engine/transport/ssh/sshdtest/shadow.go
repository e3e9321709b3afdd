package sshdtest

import (
	"crypto/rand"
	"crypto/sha512"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

var (
	passwordOnce   sync.Once
	passwordReason string
)

// passwordUnsupported says why a throwaway /etc/shadow cannot be given to
// sshd here, or "" if it can.
func passwordUnsupported() string {
	passwordOnce.Do(func() {
		if os.Geteuid() != 0 {
			passwordReason = "not running as root, so sshd cannot be given a throwaway /etc/shadow (and the harness will not set a real password)"
			return
		}
		out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--",
			"/bin/sh", "-c", "mount --bind /dev/null /etc/shadow").CombinedOutput()
		if err != nil {
			passwordReason = fmt.Sprintf("`unshare --mount` with a bind mount over /etc/shadow failed (%v: %s), and the harness will not change the real password database", err, out)
		}
	})
	return passwordReason
}

// writeShadow writes a one-line shadow file in dir that gives user the
// password, for sshd's private /etc/shadow.
func writeShadow(dir, user, password string) (string, error) {
	salt := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	const saltChars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for i := range salt {
		salt[i] = saltChars[int(salt[i])%len(saltChars)]
	}
	days := time.Now().Unix() / 86400
	line := fmt.Sprintf("%s:%s:%d:0:99999:7:::\n", user, sha512Crypt(password, string(salt)), days)
	name := filepath.Join(dir, "shadow")
	return name, os.WriteFile(name, []byte(line), 0o600)
}

// sha512Crypt is crypt(3) with the "$6$" method (SHA-512, 5000 rounds), as
// specified by Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512".
func sha512Crypt(password, salt string) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	p, s := []byte(password), []byte(salt)

	b := sha512.New()
	b.Write(p)
	b.Write(s)
	b.Write(p)
	sumB := b.Sum(nil)

	a := sha512.New()
	a.Write(p)
	a.Write(s)
	n := len(p)
	for ; n > 64; n -= 64 {
		a.Write(sumB)
	}
	a.Write(sumB[:n])
	for n := len(p); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(sumB)
		} else {
			a.Write(p)
		}
	}
	sumA := a.Sum(nil)

	dp := sha512.New()
	for range len(p) {
		dp.Write(p)
	}
	pSeq := repeatTo(dp.Sum(nil), len(p))

	ds := sha512.New()
	for range 16 + int(sumA[0]) {
		ds.Write(s)
	}
	sSeq := repeatTo(ds.Sum(nil), len(s))

	prev := sumA
	for i := range 5000 {
		c := sha512.New()
		if i&1 != 0 {
			c.Write(pSeq)
		} else {
			c.Write(prev)
		}
		if i%3 != 0 {
			c.Write(sSeq)
		}
		if i%7 != 0 {
			c.Write(pSeq)
		}
		if i&1 != 0 {
			c.Write(prev)
		} else {
			c.Write(pSeq)
		}
		prev = c.Sum(nil)
	}
	return "$6$" + salt + "$" + cryptBase64(prev)
}

// repeatTo repeats digest to n bytes.
func repeatTo(digest []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, digest[:min(len(digest), n-len(out))]...)
	}
	return out
}

// cryptBase64 encodes a SHA-512 crypt digest with crypt's byte order and
// alphabet.
func cryptBase64(d []byte) string {
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var out []byte
	put := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for range n {
			out = append(out, alphabet[w&0x3f])
			w >>= 6
		}
	}
	for k := range 21 {
		i, j, l := k, k+21, k+42
		switch k % 3 {
		case 0:
			put(d[i], d[j], d[l], 4)
		case 1:
			put(d[j], d[l], d[i], 4)
		case 2:
			put(d[l], d[i], d[j], 4)
		}
	}
	put(0, 0, d[63], 2)
	return string(out)
}

// writePasswd writes a copy of /etc/passwd in dir in which user's login shell is
// shell, for sshd's private /etc/passwd.
func writePasswd(dir, user, shell string) (string, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return "", err
	}
	lines := strings.Split(string(data), "\n")
	found := false
	for i, l := range lines {
		f := strings.Split(l, ":")
		if len(f) == 7 && f[0] == user {
			f[6] = shell
			lines[i] = strings.Join(f, ":")
			found = true
		}
	}
	if !found {
		return "", fmt.Errorf("user %s is not in /etc/passwd", user)
	}
	name := filepath.Join(dir, "passwd")
	return name, os.WriteFile(name, []byte(strings.Join(lines, "\n")), 0o644)
}
