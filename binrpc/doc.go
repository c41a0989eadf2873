// Package binrpc is a client and codec for Kamailio's BINRPC protocol (the ctl module: kamcmd's wire format).
// We wrote our own: florentchauveau/go-kamailio-binrpc v3 reads negative ints as 4294967295, has no arrays, bytes or fault replies, reads unbounded lengths and allocates per record (see bench_test.go).
package binrpc
