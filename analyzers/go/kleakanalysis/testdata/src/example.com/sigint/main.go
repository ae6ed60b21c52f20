// Command sigint catches Ctrl-C only, and polls forever in a helper.
package main

import (
	"os"
	"os/signal"

	"example.com/repo"
)

func main() { // want main:"blocks: calls poll, which loops forever"
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	p := repo.NewProducer() // want `no-graceful-shutdown: .* main\.main gets it from repo\.NewProducer .*calls poll, which loops forever .*catches SIGINT only \(signal\.Notify\(c, os\.Interrupt\)`
	defer p.Close()
	poll()
}

func poll() { // want poll:"blocks: loops forever"
	for {
		select {
		case <-make(chan int):
			break
		}
	}
}
