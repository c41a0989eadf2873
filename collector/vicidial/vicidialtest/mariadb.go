// Package vicidialtest runs a real MariaDB (Debian's mariadb-server) on loopback, loaded with
// ViciDial's table definitions and test rows, for the vicidial collector tests and the e2e tests.
package vicidialtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The database and the read-only user the tests give the exporter. The
// password holds characters a hand-built DSN would get wrong.
const (
	Database = "asterisk"
	User     = "exporter"
	Password = `ro:p@ss/w"rd`
)

// Tables are the ViciDial tables the exporter reads: the read-only user gets
// SELECT on these and nothing else (docs/vicidial.md lists the same grants).
var Tables = []string{
	"vicidial_live_agents", "vicidial_auto_calls", "vicidial_campaign_stats", "vicidial_campaigns",
	"vicidial_inbound_groups", "vicidial_closer_log", "vicidial_log", "recording_log", "vicidial_list",
}

// Server is one mariadbd process with its data directory in a temporary
// directory, listening on 127.0.0.1 at a free port and on a unix socket.
type Server struct {
	Port   int
	Socket string

	dir     string
	datadir string
	mariadb string // the mariadbd binary
	root    *sql.DB
	logs    *syncBuffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		s.b.Reset()
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lookPath finds a program on PATH or in /usr/sbin (where Debian puts
// mariadbd, outside a normal user's PATH).
func lookPath(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
			p := filepath.Join(dir, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s not found: install Debian's mariadb-server (make test does, through scripts/test-deps.sh)", strings.Join(names, " or "))
}

// TestdataDir is the repository's testdata/vicidial directory (schema.sql,
// seed.sql), found from this source file.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "vicidial")
}

// Start initialises a data directory, starts mariadbd, creates the
// ViciDial database from testdata/vicidial/schema.sql, the read-only user,
// and loads testdata/vicidial/seed.sql. Close stops it and removes all.
func Start() (*Server, error) {
	install, err := lookPath("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, err
	}
	mariadbd, err := lookPath("mariadbd", "mysqld")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vicidial-mariadb-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, datadir: filepath.Join(dir, "data"), Socket: filepath.Join(dir, "mysqld.sock"), mariadb: mariadbd, logs: &syncBuffer{}}
	fail := func(err error) (*Server, error) {
		s.Close()
		return nil, err
	}
	args := []string{"--no-defaults", "--datadir=" + s.datadir, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("%s: %v\n%s", install, err, out))
	}
	if s.Port, err = freePort(); err != nil {
		return fail(err)
	}
	if err := s.Restart(); err != nil {
		return fail(err)
	}
	rc := s.RootConfig()
	rc.DBName, rc.MultiStatements = "", true
	conn, err := mysql.NewConnector(rc)
	if err != nil {
		return fail(err)
	}
	setupDB := sql.OpenDB(conn)
	defer setupDB.Close()
	setupDB.SetMaxOpenConns(1) // USE below sticks to the one connection
	schema, err := os.ReadFile(filepath.Join(TestdataDir(), "schema.sql"))
	if err != nil {
		return fail(err)
	}
	grants := ""
	for _, t := range Tables {
		grants += fmt.Sprintf("GRANT SELECT ON %s.%s TO '%s'@'%%';\n", Database, t, User)
	}
	setup := fmt.Sprintf("CREATE DATABASE %s;\nUSE %s;\n%s\n"+
		// The user the docs recommend: SELECT only, few connections, and a
		// server-side cap on any statement's time.
		"CREATE USER '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS 10 MAX_STATEMENT_TIME 5;\n%s",
		Database, Database, schema, User, strings.ReplaceAll(strings.ReplaceAll(Password, `\`, `\\`), `'`, `\'`), grants)
	if _, err := setupDB.Exec(setup); err != nil {
		return fail(fmt.Errorf("loading the schema: %w", err))
	}
	rc.DBName = Database
	if conn, err = mysql.NewConnector(rc); err != nil {
		return fail(err)
	}
	s.root = sql.OpenDB(conn)
	s.root.SetMaxOpenConns(1)
	if err := s.Reset(); err != nil {
		return fail(err)
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the TCP address mariadbd listens on.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Config is a driver configuration for the read-only user over TCP.
func (s *Server) Config() *mysql.Config {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = User, Password, "tcp", s.Addr(), Database
	c.Timeout, c.ReadTimeout, c.WriteTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	c.Logger = &mysql.NopLogger{} // a restarted server's dropped connections are expected
	return c
}

// RootConfig is a driver configuration for root over the unix socket, on
// the ViciDial database.
func (s *Server) RootConfig() *mysql.Config {
	c := mysql.NewConfig()
	c.User, c.Net, c.Addr, c.DBName = "root", "unix", s.Socket, Database
	c.Timeout, c.ReadTimeout, c.WriteTimeout = 10*time.Second, 30*time.Second, 30*time.Second
	c.Logger = &mysql.NopLogger{}
	return c
}

// Logs is what mariadbd printed (for failure messages).
func (s *Server) Logs() string { return s.logs.String() }

// Exec runs statements as root on the ViciDial database.
func (s *Server) Exec(query string, args ...any) error {
	if s.root == nil {
		return errors.New("not started")
	}
	_, err := s.root.Exec(query, args...)
	return err
}

// Reset empties the ViciDial tables and loads testdata/vicidial/seed.sql
// again, so times relative to NOW() start over.
func (s *Server) Reset() error {
	seed, err := os.ReadFile(filepath.Join(TestdataDir(), "seed.sql"))
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, t := range Tables {
		fmt.Fprintf(&b, "TRUNCATE TABLE %s.%s;\n", Database, t)
	}
	b.Write(seed)
	if err := s.Exec(b.String()); err != nil {
		return fmt.Errorf("loading seed.sql: %w", err)
	}
	return nil
}

// Stop stops mariadbd (SIGTERM, then SIGKILL after 20 s) and waits for it.
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	if s.root != nil {
		// Drop the root pool's dead connection now, not on the next Exec.
		s.root.SetMaxIdleConns(0)
		s.root.SetMaxIdleConns(1)
	}
	return nil
}

// Restart starts mariadbd (again) on the same port and data, and waits until
// it accepts connections.
func (s *Server) Restart() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return errors.New("already running")
	}
	args := []string{
		"--no-defaults",
		"--datadir=" + s.datadir,
		"--socket=" + s.Socket,
		"--pid-file=" + filepath.Join(s.dir, "mariadbd.pid"),
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--port=%d", s.Port),
		"--skip-name-resolve",
		"--skip-log-bin",
		"--innodb-buffer-pool-size=16M",
		"--performance-schema=OFF",
		"--log-error=" + filepath.Join(s.dir, "error.log"),
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(s.mariadb, args...)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	// Ready when root can ping over the unix socket and TCP accepts:
	// mariadbd opens its listeners one after the other.
	rc := s.RootConfig()
	rc.DBName = ""
	probe, err := mysql.NewConnector(rc)
	if err != nil {
		return err
	}
	pingDB := sql.OpenDB(probe)
	defer pingDB.Close()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			return fmt.Errorf("mariadbd exited at start:\n%s%s", s.logs, log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := pingDB.PingContext(ctx)
		cancel()
		if err == nil {
			c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
			if err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("mariadbd did not accept connections within 30 s")
}

// Close stops mariadbd and removes its directory.
func (s *Server) Close() {
	if s.root != nil {
		s.root.Close()
	}
	_ = s.Stop()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
