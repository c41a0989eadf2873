package binrpc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: any body decodes or fails with an error, never panics, and
// whatever decodes can be walked and printed.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{captures, "../testdata/kamailio/local"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if h, err := ParseHeader(b); err == nil && h.Size <= len(b) {
				f.Add(b[h.Size:])
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Decode(body)
		if err != nil {
			return
		}
		_ = r.String()
		var walk func(v Value)
		walk = func(v Value) {
			_, _ = v.Float()
			_, _ = v.Int()
			_ = v.Field("x")
			for c := range v.Items() {
				_ = c.Name()
				walk(c)
			}
		}
		for v := range r.All() {
			walk(v)
		}
	})
}

// FuzzParseHeader: headers never panic and a parsed one re-encodes.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0xa1, 0x13, 0xa8, 0x57, 0x81, 0xcc, 0x98})
	f.Add([]byte{0xa1, 0x33, 0x2a, 0x7e, 0x71, 0x93, 0x4c})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		again, err := ParseHeader(AppendHeader(nil, h.Type, h.BodyLen, h.Cookie))
		if err != nil || again.BodyLen != h.BodyLen || again.Cookie != h.Cookie || again.Type != h.Type {
			t.Fatalf("%+v → %+v %v", h, again, err)
		}
	})
}

// FuzzParseAddress: a ctl address either fails with ErrBadAddress or parses to one whose String form
// parses to the same address.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"unix:/run/kamailio/kamailio_ctl", "tcp:127.0.0.1:2049", "udp:[::1]:2046", "unix:///tmp/x", "tcp://h:1", "unixd:/x", "tcp:h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("%q: error %v is not ErrBadAddress", s, err)
			}
			return
		}
		b, err := ParseAddress(a.String())
		if err != nil || b != a {
			t.Fatalf("%q → %v → %v (%v)", s, a, b, err)
		}
	})
}
