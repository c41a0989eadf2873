// Command asterisk is a stand-in for `asterisk -rx` in tests and demos: it
// asks a simulated Asterisk (sim/asterisk) listening on its control socket.
package main

import (
	"os"

	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
)

func main() { os.Exit(simast.RunRemote(os.Args[1:], os.Stdout, os.Stderr)) }
