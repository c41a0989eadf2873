// Package asterisk simulates an Asterisk 16–22 for tests and the demo: the Manager Interface (AMI) and the
// `asterisk -rx` CLI texts, byte-exact with captures of a real Asterisk 20, with calls, chan_sip and PJSIP peers, confbridges, queues and faults.
package asterisk
