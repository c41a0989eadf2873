package grafana

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFilesMatchDefinitions: the committed JSON is what the Go definitions
// produce (run `go generate ./deploy/grafana` after changing them).
func TestFilesMatchDefinitions(t *testing.T) {
	files, _ := filepath.Glob("dashboards/*.json")
	all := All()
	if len(files) != len(all) {
		t.Errorf("%d files in dashboards/, %d dashboards defined", len(files), len(all))
	}
	for name, d := range all {
		want, err := d.JSON()
		if err != nil {
			t.Fatal(err)
		}
		have, err := os.ReadFile(filepath.Join("dashboards", name))
		if err != nil || string(have) != string(want)+"\n" {
			t.Errorf("dashboards/%s is stale: run go generate ./deploy/grafana (err=%v)", name, err)
		}
		var parsed map[string]any
		if err := json.Unmarshal(want, &parsed); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if parsed["uid"] == "" || parsed["title"] == "" {
			t.Errorf("%s: no uid/title", name)
		}
	}
}

// TestPanelsDoNotOverlap checks the grid layout.
func TestPanelsDoNotOverlap(t *testing.T) {
	for name, d := range All() {
		b, _ := d.JSON()
		var m struct {
			Panels []struct {
				Title   string
				GridPos struct{ X, Y, W, H int } `json:"gridPos"`
			}
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		taken := map[[2]int]string{}
		for _, p := range m.Panels {
			if p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: %q overflows the row", name, p.Title)
			}
			for x := p.GridPos.X; x < p.GridPos.X+p.GridPos.W; x++ {
				for y := p.GridPos.Y; y < p.GridPos.Y+p.GridPos.H; y++ {
					if other, ok := taken[[2]int{x, y}]; ok {
						t.Errorf("%s: %q overlaps %q", name, p.Title, other)
						goto next
					}
					taken[[2]int{x, y}] = p.Title
				}
			}
		next:
		}
	}
}
