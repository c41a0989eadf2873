package binrpc

import (
	"fmt"
	"net"
	"strings"
)

// Address is a parsed ctl address.
type Address struct {
	Network string // "unix", "tcp" or "udp" (Go's net names)
	Addr    string // socket path or host:port
}

// String is the address in Kamailio's form ("unix:/path", "tcp:host:port"),
// which ParseAddress reads back to the same Address. An Addr that itself
// starts with "//" (the unix path "//", or "////x") is written in the URL
// form, "unix://" + Addr: in Kamailio's form ParseAddress would take its
// leading "//" for the URL form's and lose it.
func (a Address) String() string {
	if strings.HasPrefix(a.Addr, "//") {
		return a.Network + "://" + a.Addr
	}
	return a.Network + ":" + a.Addr
}

// Datagram reports whether the transport carries one packet per datagram.
func (a Address) Datagram() bool { return a.Network == "udp" }

// ParseAddress parses a ctl address as Kamailio's ctl module and kamcmd
// write it: "unix:/run/kamailio/kamailio_ctl", "tcp:host:port",
// "udp:host:port". The URL forms of the older exporters
// ("unix:///path", "tcp://host:port") are accepted too. "unixs:" is a
// unix stream socket like "unix:"; unix datagram sockets ("unixd:") are
// not supported.
func ParseAddress(s string) (Address, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Address{}, fmt.Errorf("%w %q: want unix:/path, tcp:host:port or udp:host:port", ErrBadAddress, s)
	}
	if strings.HasPrefix(rest, "//") {
		rest = strings.TrimPrefix(rest, "//")
	}
	switch scheme {
	case "unix", "unixs":
		if rest == "" {
			return Address{}, fmt.Errorf("%w %q: empty socket path", ErrBadAddress, s)
		}
		return Address{Network: "unix", Addr: rest}, nil
	case "tcp", "udp":
		host, port, err := net.SplitHostPort(rest)
		if err != nil || port == "" {
			return Address{}, fmt.Errorf("%w %q: want %s:host:port", ErrBadAddress, s, scheme)
		}
		return Address{Network: scheme, Addr: net.JoinHostPort(host, port)}, nil
	}
	return Address{}, fmt.Errorf("%w %q: unknown transport %q (want unix, tcp or udp)", ErrBadAddress, s, scheme)
}
