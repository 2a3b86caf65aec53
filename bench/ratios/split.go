package main

import (
	"bufio"
	"io"

	"github.com/makeagents/makeagents-go/sse"
)

// Variants of the first-event path, to tell the request stack's share from
// the decoder's (the "(split)" rows of group b).

// rawRequestOurDecoder: raw POST, then sse.NewStream.
func (h *harness) rawRequestOurDecoder() op {
	return func() int {
		s, err := sse.NewStream(ctx, h.rawPost(firstEventAgent))
		must(err)
		if !s.Next() {
			must(s.Err())
		}
		for s.Next() {
		}
		must(s.Err())
		_ = s.Close()
		return 1
	}
}

// ourRequestRawDecoder: the request through api.New's stack, then bufio.
func (h *harness) ourRequestRawDecoder() op {
	return func() int {
		resp, err := h.ours.StartRunStream(ctx, firstEventAgent, h.runReq)
		must(err)
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadSlice('\n')
			must(err)
			if len(line) == 1 {
				break
			}
		}
		_, _ = io.Copy(io.Discard, r)
		_ = resp.Body.Close()
		return 1
	}
}
