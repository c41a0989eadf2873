package quality

import (
	"net"
	"strings"
)

// DomainHeaders is the fallback chain of seed 001: the first of these
// channel variables that holds a valid host name is the leg's domain.
var DomainHeaders = [...]string{"variable_domain_name", "variable_sip_from_host", "variable_sip_to_host"}

// UnknownDomain is the domain of a leg none of DomainHeaders names.
const UnknownDomain = "unknown"

// maxDomainBytes is the longest DNS name.
const maxDomainBytes = 253

// DomainOf returns the domain of the leg an event describes, following
// DomainHeaders, or "" when none holds a usable value.
func DomainOf(f Fields) string {
	for _, h := range DomainHeaders {
		if d := NormalizeDomain(get(f, h)); d != "" {
			return d
		}
	}
	return ""
}

// NormalizeDomain lower-cases a host, drops a ":port" (sip_to_host may carry
// one: "127.0.0.1:5080") and IPv6 brackets, and returns "" for anything that
// is not a plausible host name or address.
func NormalizeDomain(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxDomainBytes+8 {
		return ""
	}
	if h, p, err := net.SplitHostPort(s); err == nil && p != "" {
		s = h
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > maxDomainBytes {
		return ""
	}
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-', c == '_', c == ':':
		case c >= 'A' && c <= 'Z':
			lower = false
		default:
			return ""
		}
	}
	if !lower {
		s = strings.ToLower(s)
	}
	return s
}
