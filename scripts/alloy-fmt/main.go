// alloy-fmt: what `alloy fmt` does, with Alloy's own configuration-language module
// (github.com/grafana/alloy/syntax, Apache-2.0): parse the file, print it in the canonical
// format on stdout, exit 1 with the parser's diagnostics when it does not parse. The Alloy binary
// itself is not built here (its module requires github.com/grafana/loki/v3).
package main

import (
	"fmt"
	"os"

	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/printer"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: alloy-fmt FILE")
		os.Exit(2)
	}
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	file, err := parser.ParseFile(os.Args[1], src)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := printer.Fprint(os.Stdout, file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
