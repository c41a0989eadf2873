package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// ChannelFormat is one channel's media formats from the AMI Status action,
// which lists every channel in one answer (the seed ran `core show channel`
// once per channel instead).
type ChannelFormat struct {
	Channel    string
	Native     []string // Nativeformats "(ulaw|alaw)"
	ReadTrans  string   // "(ulaw@8000)->(slin@8000)", "" when not translating
	WriteTrans string
}

// ParseStatus reads the Status events of the Status action.
func ParseStatus(items []*ami.Message) []ChannelFormat {
	out := make([]ChannelFormat, 0, len(items))
	for _, m := range items {
		if m.Event() != "Status" {
			continue
		}
		out = append(out, ChannelFormat{
			Channel:    m.Get("Channel"),
			Native:     parseFormats(m.Get("Nativeformats")),
			ReadTrans:  trimTrans(m.Get("Readtrans")),
			WriteTrans: trimTrans(m.Get("Writetrans")),
		})
	}
	return out
}

// parseFormats reads "(ulaw|alaw)" (also "ulaw|alaw").
func parseFormats(s string) []string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, ')'); j >= 0 {
			s = s[:j]
		}
	}
	var out []string
	for _, f := range strings.Split(s, "|") {
		if f = strings.TrimSpace(f); f != "" && f != "nothing" {
			out = append(out, f)
		}
	}
	return out
}

// trimTrans normalises a translation path: AMI gives "(a@8000)->(b@8000)",
// `core show channel` "Yes (a@8000)->(b@8000)" or "No ".
func trimTrans(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "No") {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(s, "Yes"))
}

// TransPair returns the first and last codec of a translation path,
// "(alaw@8000)->(slin@8000)->(ulaw@8000)" → alaw, ulaw.
func TransPair(path string) (from, to string, ok bool) {
	var codecs []string
	for _, step := range strings.Split(path, "->") {
		step = strings.Trim(strings.TrimSpace(step), "()")
		name, _, _ := strings.Cut(step, "@")
		if name != "" {
			codecs = append(codecs, name)
		}
	}
	if len(codecs) < 2 {
		return "", "", false
	}
	return codecs[0], codecs[len(codecs)-1], true
}

var (
	channelsByCodec = newDesc("", "channels_by_codec",
		"Channels up now by native codec (AMI Status Nativeformats). Seed 004: asterisk_channels_by_codec.", "codec")
	transcodingChannels = newDesc("", "transcoding_channels",
		"Channels translating audio in either direction (AMI Status Readtrans/Writetrans). Seed 004: asterisk_transcoding_channels.")
	channelTranscoding = newDesc("", "channel_transcoding",
		"Channels of a peer translating audio, by native codec and direction (read, write). "+
			"Seed 004: asterisk_channel_transcoding, which had one series per channel; channels are counted per peer here.",
		"technology", "peer", "codec", "direction")
	channelNativeCodec = newDesc("", "channel_native_codec",
		"Channels of a peer by native codec. Seed 004: asterisk_channel_native_codec, counted per peer instead of one series per channel.",
		"technology", "peer", "codec")
	transcodingUnchecked = newDesc("", "transcoding_unchecked_channels",
		"CLI mode: channels left out of the transcoding series because one scrape asks `core show channel` for at most 200 channels (0 in AMI mode, which asks once for all). New.")
	codecMismatch = newDesc("", "codec_mismatch",
		"Translations between two codecs other than slin in progress, by pair (\"ulaw->alaw\"), both directions of every channel counted. Seed 004: asterisk_codec_mismatch.",
		"pair")
)

// transcodingScraper runs the AMI Status action (one answer for every channel), or over the CLI
// `core show channel` for each channel.
type transcodingScraper struct{}

func (transcodingScraper) Name() string { return "transcoding" }
func (transcodingScraper) Help() string {
	return "channels by codec, transcoding channels and codec mismatch pairs (AMI Status; over the CLI one `core show channel` per channel, at most 200)"
}
func (transcodingScraper) Default() bool { return true }

func (transcodingScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var formats []ChannelFormat
	if api.AMI() {
		items, err := list(ctx, api, "Status")
		if err != nil {
			return err
		}
		formats = ParseStatus(items)
	} else {
		var truncated int
		var err error
		if formats, truncated, err = cliChannelFormats(ctx, api); err != nil {
			return err
		}
		gauge(ch, transcodingUnchecked, float64(truncated))
	}
	type peerKey struct{ tech, peer, codec, dir string }
	byCodec := map[string]int{}
	native := map[peerKey]int{}
	trans := map[peerKey]int{}
	pairs := map[string]int{}
	transcoding := 0
	bound := peerBound{}
	for _, f := range formats {
		codec := "none"
		if len(f.Native) > 0 {
			codec = f.Native[0]
		}
		byCodec[codec]++
		tech, peer := PeerOf(f.Channel)
		if bound.label(tech+"/"+peer) == otherPeer {
			peer = otherPeer
		}
		native[peerKey{tech, peer, codec, ""}]++
		if f.ReadTrans != "" || f.WriteTrans != "" {
			transcoding++
		}
		for dir, path := range map[string]string{"read": f.ReadTrans, "write": f.WriteTrans} {
			if path == "" {
				continue
			}
			trans[peerKey{tech, peer, codec, dir}]++
			if from, to, ok := TransPair(path); ok && from != to && from != "slin" && to != "slin" {
				pairs[from+"->"+to]++
			}
		}
	}
	for c, n := range byCodec {
		gauge(ch, channelsByCodec, float64(n), c)
	}
	gauge(ch, transcodingChannels, float64(transcoding))
	for k, n := range native {
		gauge(ch, channelNativeCodec, float64(n), k.tech, k.peer, k.codec)
	}
	for k, n := range trans {
		gauge(ch, channelTranscoding, float64(n), k.tech, k.peer, k.codec, k.dir)
	}
	for p, n := range pairs {
		gauge(ch, codecMismatch, float64(n), p)
	}
	return nil
}
