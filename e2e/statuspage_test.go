package e2e

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium (make test installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found (make test installs Debian's chromium package)")
	return ""
}

// TestStatusPageInChromium renders the status page of the demo in a real
// headless Chromium, reads the targets table from the DOM and checks that a
// screenshot shows a rendered page.
func TestStatusPageInChromium(t *testing.T) {
	exe := chromium(t)
	e := startExporter(t, "", "http", "--demo")
	waitFor(t, 15*time.Second, func() string {
		_, body := e.get("/metrics")
		if sample(body, `freeswitch_up{server="demo-fs1"}`) != "1" {
			return "demo not up"
		}
		return ""
	})
	// The demo's simulated calls reach the page through the event path.
	waitFor(t, 30*time.Second, func() string {
		if _, page := e.get("/"); !strings.Contains(page, `<tr class="call `) {
			return "no live calls on the status page yet"
		}
		return ""
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var targets, status, calls string
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible(`#targets tr.target`, chromedp.ByQuery),
		chromedp.Text(`#targets tbody`, &targets, chromedp.ByQuery),
		chromedp.Text(`#status`, &status, chromedp.ByQuery),
		chromedp.Text(`#calls tbody`, &calls, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 100), // quality 100: PNG
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"demo-fs1", "demo-fs2", "freeswitch", "up"} {
		if !strings.Contains(targets, want) {
			t.Errorf("targets table lacks %q: %q", want, targets)
		}
	}
	if status != "healthy" {
		t.Errorf("status = %q, want healthy", status)
	}
	var callRows int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("#calls tr.call").length`, &callRows)); err != nil {
		t.Fatal(err)
	}
	if callRows == 0 || !strings.Contains(calls, "demo-fs") {
		t.Errorf("calls table shows no demo call (%d rows): %q", callRows, calls)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("screenshot is %v", b)
	}
	if colours := distinctColours(img); colours < 8 {
		t.Errorf("screenshot has %d colours: the page did not render", colours)
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "status.png"), shot, 0o644)
	}
}

func distinctColours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	return len(seen)
}
