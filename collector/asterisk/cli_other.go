//go:build !unix

package asterisk

import "os/exec"

func setProcessGroup(*exec.Cmd) {}
