// Package ng is a client for rtpengine's ng control protocol: bencode dictionaries over UDP, each prefixed with a
// cookie that rtpengine echoes (and caches, so a retransmission is not run twice); bencode.go is the codec.
//
// Why our own: the Go ng clients we found (SilvaMendes/go-rtpengine, angarium-cloud/go-rtpengine used by
// voiplens/rtpengine_exporter) build SIP-side offer/answer requests, bring their own logging stacks (zerolog,
// go-kit), dial per call without retransmission and decode replies without a size or depth bound; the generic
// bencode libraries (zeebo/bencode, jackpal/bencode-go) know nothing of the cookie, of UDP retransmission or of
// rtpengine's error replies. The protocol needs ~300 lines; this package knows nothing of Prometheus.
package ng
