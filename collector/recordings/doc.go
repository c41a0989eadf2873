// Package recordings watches local call-recording directories: bytes used and free on the filesystem holding
// each (statfs, every scrape) and the files under it (a bounded walk in the background, cached between scrapes).
package recordings
