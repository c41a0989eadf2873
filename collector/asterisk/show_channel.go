package asterisk

import (
	"context"
	"strings"
	"sync"
)

// ParseCoreShowChannel reads the General section of `core show channel <name>` (main/cli.c
// handle_showchan): Name, NativeFormats, WriteTranscode and ReadTranscode ("Yes (a@8000)->(b@8000)" or
// "No "). ok is false when the channel is gone ("<name> is not a known channel").
func ParseCoreShowChannel(out string) (f ChannelFormat, ok bool, err error) {
	seen := false
	for _, l := range lines(out) {
		if strings.HasSuffix(strings.TrimSpace(l), "is not a known channel") {
			return ChannelFormat{}, false, nil
		}
		if strings.HasPrefix(strings.TrimSpace(l), "--   PBX   --") {
			break // the General section is over
		}
		k, v, found := strings.Cut(l, ": ")
		if !found {
			if k, _, found = strings.Cut(l, ":"); !found {
				continue
			}
			v = ""
		}
		switch strings.TrimSpace(k) {
		case "Name":
			f.Channel = strings.TrimSpace(v)
			seen = f.Channel != ""
		case "NativeFormats":
			f.Native = parseFormats(v)
		case "WriteTranscode":
			f.WriteTrans = trimTrans(v)
		case "ReadTranscode":
			f.ReadTrans = trimTrans(v)
		}
	}
	if !seen {
		return ChannelFormat{}, false, garbage("core show channel", firstLine(out))
	}
	return f, true, nil
}

// MaxCLIChannelQueries bounds the `core show channel` commands of one CLI-mode scrape (one process
// each, ~9 ms on a real Asterisk); channels past it are counted in none of the transcoding series.
const MaxCLIChannelQueries = 200

// cliParallel is how many `asterisk -rx` run at once for the per-channel queries.
const cliParallel = 4

// cliChannelFormats asks `core show channel` for every channel (seed 004's way: the CLI has no
// one-shot equivalent of AMI Status), at most MaxCLIChannelQueries, cliParallel at a time. truncated is
// the number of channels left out.
func cliChannelFormats(ctx context.Context, api API) (out []ChannelFormat, truncated int, err error) {
	chans, err := channels(ctx, api)
	if err != nil {
		return nil, 0, err
	}
	if len(chans) > MaxCLIChannelQueries {
		truncated = len(chans) - MaxCLIChannelQueries
		chans = chans[:MaxCLIChannelQueries]
	}
	res := make([]ChannelFormat, len(chans))
	okAt := make([]bool, len(chans))
	errs := make([]error, len(chans))
	var wg sync.WaitGroup
	sem := make(chan struct{}, cliParallel)
	for i, c := range chans {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			text, err := command(ctx, api, "core show channel "+c.Name)
			if err != nil {
				errs[i] = err
				return
			}
			res[i], okAt[i], errs[i] = ParseCoreShowChannel(text)
		}()
	}
	wg.Wait()
	for i := range chans {
		if errs[i] != nil {
			return nil, 0, errs[i]
		}
		if okAt[i] {
			out = append(out, res[i])
		}
	}
	return out, truncated, nil
}
