// Package kamailio simulates a Kamailio 5.6.3 ctl socket (BINRPC over unix, tcp and udp) for tests and the demo:
// every reply has the layout of the real one captured in testdata/kamailio, over state that traffic, dialogs and dispatcher probes move.
package kamailio
