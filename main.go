// Command runnel is the runnel node and client in one binary.
package main

import "github.com/runnel/runnel/cli"

func main() {
	cli.Main()
}
