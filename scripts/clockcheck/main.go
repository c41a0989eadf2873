// Command clockcheck prints the Go wall clock in Unix seconds.
// scripts/test-time.sh runs it under faketime to prove the Go clock follows the faked date.
package main

import (
	"fmt"
	"time"
)

func main() { fmt.Println(time.Now().Unix()) }
