package esl

import "crypto/rand"

// newJobUUID returns a random (version 4) UUID for bgapi's Job-UUID header.
func newJobUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics on failure)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexd[c>>4], hexd[c&15]
		j += 2
	}
	return string(s[:])
}
