package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxFrame bounds the size of one message body.
const MaxFrame = 64 << 20

// ErrFraming is wrapped by ReadFrame when the header is malformed. The stream cannot
// be resynchronized after it.
var ErrFraming = errors.New("malformed message header")

// ReadFrame reads one message in LSP base-protocol framing: headers ("Content-Length:
// N" required, "Content-Type" accepted), an empty line, and N bytes of body.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && length < 0 {
				return nil, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if length < 0 {
				return nil, fmt.Errorf("%w: no Content-Length header", ErrFraming)
			}
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: header line %q has no ':'", ErrFraming, truncate(line))
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: bad Content-Length %q", ErrFraming, truncate(value))
			}
			if n > MaxFrame {
				return nil, fmt.Errorf("%w: message of %d bytes exceeds the %d byte limit", ErrFraming, n, MaxFrame)
			}
			length = n
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// WriteFrame writes body with a Content-Length header.
func WriteFrame(w io.Writer, body []byte) error {
	if _, err := fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// SkipToHeader discards input up to the start of the next line that begins a
// Content-Length header, so a reader can recover after ErrFraming.
func SkipToHeader(r *bufio.Reader) error {
	const header = "content-length:"
	for {
		b, err := r.Peek(len(header))
		if err != nil && len(b) == 0 {
			return err
		}
		if strings.EqualFold(string(b), header) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := r.ReadString('\n'); err != nil {
			return err
		}
	}
}
