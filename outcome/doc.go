// Package outcome turns call events (FreeSWITCH CHANNEL_HANGUP_COMPLETE, Asterisk AMI Dial/Hangup) into one
// outcome per call attempt and aggregates them per carrier into ASR/NER/ACD/PDD counters and histograms.
package outcome
