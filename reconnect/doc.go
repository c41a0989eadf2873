// Package reconnect keeps one connection to a server up for a protocol client
// (esl, binrpc, ami): dial, hand it out, wait for its end, retry with backoff.
//
// It also records what /health shows of the connection: connected since, the
// last error and when, reconnects and failed attempts.
package reconnect
