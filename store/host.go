package store

import "os"

var (
	osHostname = os.Hostname
	osGetpid   = os.Getpid
)
