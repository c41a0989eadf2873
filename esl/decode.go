package esl

import "bytes"

var unhexTab = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = byte(c - 'A' + 10)
	}
	return t
}()

// appendURLDecoded appends src to dst with %XX escapes decoded, as
// FreeSWITCH's switch_url_encode produces them. '+' is left as is (FreeSWITCH
// encodes a literal '+' as %2B and a space as %20); a '%' not followed by two
// hex digits is kept literally. The output is never longer than src.
func appendURLDecoded(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '%')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		if i+2 < len(src) {
			hi, lo := unhexTab[src[i+1]], unhexTab[src[i+2]]
			if hi < 16 && lo < 16 {
				dst = append(dst, hi<<4|lo)
				src = src[i+3:]
				continue
			}
		}
		dst = append(dst, '%')
		src = src[i+1:]
	}
}

// urlDecodeInPlace decodes %XX escapes of b in place and returns the new
// length. The caller usually passes b starting at its first '%'.
func urlDecodeInPlace(b []byte) int {
	w, r := 0, 0
	for r < len(b) {
		c := b[r]
		if c == '%' && r+2 < len(b) {
			hi, lo := unhexTab[b[r+1]], unhexTab[b[r+2]]
			if hi|lo < 16 {
				b[w] = hi<<4 | lo
				w++
				r += 3
				continue
			}
		}
		b[w] = c
		w++
		r++
	}
	return w
}

// URLDecode returns s with %XX escapes decoded ('+' kept), the way event
// header values are decoded.
func URLDecode(s string) string {
	if !containsByte(s, '%') {
		return s
	}
	return string(appendURLDecoded(make([]byte, 0, len(s)), []byte(s)))
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// parseDecimal parses a non-negative decimal of at most 18 digits.
func parseDecimal(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
