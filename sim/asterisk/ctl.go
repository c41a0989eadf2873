package asterisk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// DefaultCtlSocket is where `asterisk -r` finds a running Asterisk.
const DefaultCtlSocket = "/var/run/asterisk/asterisk.ctl"

// StartCLI listens on a unix socket for `asterisk -rx` clients (see
// RunRemote): one command line in, its output back, then the connection
// closes — the simulator's version of asterisk.ctl.
func (s *Server) StartCLI(path string) error {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed || s.ctl != nil {
		s.mu.Unlock()
		ln.Close()
		return errors.New("asterisk sim: closed or already serving the CLI")
	}
	s.ctl, s.ctlPath = ln, path
	s.connWG.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.connWG.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serveCtl(c)
		}
	}()
	return nil
}

// StopCLI stops the control socket (as if Asterisk were not running).
func (s *Server) StopCLI() {
	s.mu.Lock()
	ln, path := s.ctl, s.ctlPath
	s.ctl = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
		_ = os.Remove(path)
	}
}

func (s *Server) serveCtl(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 64<<10)).ReadString('\n')
	if err != nil {
		return
	}
	if f, ok := s.currentFault().(FaultSlow); ok {
		time.Sleep(f.Delay)
	}
	if k, ok := s.currentFault().(FaultKind); ok && k == FaultStall {
		time.Sleep(time.Hour)
		return
	}
	io.WriteString(c, s.CLI(strings.TrimSuffix(line, "\n")))
}

// RunRemote behaves as `asterisk [-s socket] -rx '<command>'` against a
// simulator's control socket (default DefaultCtlSocket or $ASTERISK_SIM_CTL):
// it prints the output and returns the exit status. It is the body of the
// fake `asterisk` program tests run (sim/asterisk/cmd/asterisk).
func RunRemote(args []string, stdout, stderr io.Writer) int {
	socket := os.Getenv("ASTERISK_SIM_CTL")
	if socket == "" {
		socket = DefaultCtlSocket
	}
	cmd, haveCmd := "", false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-s" && i+1 < len(args):
			socket = args[i+1]
			i++
		case (a == "-rx" || a == "-x") && i+1 < len(args):
			cmd, haveCmd = args[i+1], true
			i++
		case a == "-r":
		case a == "-n":
			fmt.Fprintln(stderr, "'n' option is not compatible with remote console mode")
			return 1
		}
	}
	if !haveCmd {
		fmt.Fprintln(stderr, "usage: asterisk [-s socket] -rx '<command>'")
		return 1
	}
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "Unable to connect to remote asterisk (does %s exist?)\n", socket)
		return 1
	}
	defer c.Close()
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return 1
	}
	if _, err := io.Copy(stdout, c); err != nil {
		return 1
	}
	return 0
}
