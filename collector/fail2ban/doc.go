// Package fail2ban reads fail2ban's per-jail ban and failure counters through fail2ban-client, in one
// interactive session per scrape (client.go says why not the server socket); status.go parses its output.
package fail2ban
