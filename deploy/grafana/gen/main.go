// Command gen writes deploy/grafana/dashboards/*.json from the Go definitions.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/voip-exporter/voip_exporter/deploy/grafana"
)

func main() {
	for name, d := range grafana.All() {
		b, err := d.JSON()
		if err != nil {
			fmt.Fprintln(os.Stderr, name, err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join("dashboards", name), append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
