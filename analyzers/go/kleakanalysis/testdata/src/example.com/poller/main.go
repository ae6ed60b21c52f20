// Command poller runs to completion: a tool, whose deferred Close runs.
package main

import "example.com/repo"

func main() { // want main:"builds producer sarama\\.NewSyncProducer \\(closed\\) via main\\.main"
	p := repo.NewProducer() // ok: main returns
	defer p.Close()
	for i := 0; i < 3; i++ {
		p.SendMessage(nil)
	}
}
