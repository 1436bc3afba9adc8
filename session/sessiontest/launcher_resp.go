package sessiontest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The small RESP2 codec behind Server.Do: commands go out as arrays of bulk
// strings, replies come back as one of + - : $ *. Limits keep a broken or
// hostile peer from making the reader allocate without bound.

const (
	maxBulkLen   = 64 << 20 // largest bulk string accepted
	maxArrayLen  = 1 << 20  // most elements in one array
	maxNesting   = 16       // deepest array nesting
	maxLineBytes = 64 << 10 // longest +, -, : or header line
)

var errProtocol = errors.New("sessiontest: RESP protocol error")

// reply is a decoded RESP reply rendered as text.
type reply struct {
	text  string
	isErr bool // an error reply ("-ERR ...")
	isNil bool // a nil bulk string or nil array
}

// encodeCommand renders args as a RESP array of bulk strings.
func encodeCommand(args []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		line = append(line, chunk...)
		if len(line) > maxLineBytes {
			return "", fmt.Errorf("%w: line longer than %d bytes", errProtocol, maxLineBytes)
		}
		if !isPrefix {
			return string(line), nil
		}
	}
}

func readLength(s string, limit int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < -1 || n > limit {
		return 0, fmt.Errorf("%w: bad length %q", errProtocol, s)
	}
	return n, nil
}

// readReply reads one reply. Nested array elements are rendered and joined
// by "\n"; an error element inside an array is rendered as its message.
func readReply(r *bufio.Reader, depth int) (reply, error) {
	if depth > maxNesting {
		return reply{}, fmt.Errorf("%w: arrays nested deeper than %d", errProtocol, maxNesting)
	}
	line, err := readLine(r)
	if err != nil {
		return reply{}, err
	}
	if line == "" {
		return reply{}, fmt.Errorf("%w: empty line", errProtocol)
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return reply{text: body}, nil
	case '-':
		return reply{text: body, isErr: true}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return reply{}, fmt.Errorf("%w: bad integer %q", errProtocol, body)
		}
		return reply{text: strconv.FormatInt(n, 10)}, nil
	case '$':
		n, err := readLength(body, maxBulkLen)
		if err != nil {
			return reply{}, err
		}
		if n == -1 {
			return reply{isNil: true}, nil
		}
		var b bytes.Buffer // grows as data arrives, not from the claimed length
		if _, err := io.CopyN(&b, r, int64(n)+2); err != nil {
			return reply{}, fmt.Errorf("%w: short bulk string: %v", errProtocol, err)
		}
		if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			return reply{}, fmt.Errorf("%w: bulk string not terminated by CRLF", errProtocol)
		}
		return reply{text: string(b.Bytes()[:n])}, nil
	case '*':
		n, err := readLength(body, maxArrayLen)
		if err != nil {
			return reply{}, err
		}
		if n == -1 {
			return reply{isNil: true}, nil
		}
		parts := make([]string, 0, min(n, 64))
		for range n {
			el, err := readReply(r, depth+1)
			if err != nil {
				return reply{}, err
			}
			parts = append(parts, el.text)
		}
		return reply{text: strings.Join(parts, "\n")}, nil
	default:
		return reply{}, fmt.Errorf("%w: unknown reply type %q", errProtocol, line[0])
	}
}
