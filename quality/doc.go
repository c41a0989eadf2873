// Package quality turns FreeSWITCH channel and RTCP events into per-leg state, live RTCP samples
// and end-of-call QoS records (with an ITU-T G.107 E-model MOS); it knows nothing of sockets or Prometheus.
package quality
