// Command etcd is the etcd 3.5 server, built from its published module for the simulated cluster.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
