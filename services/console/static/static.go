// Package static holds the console's browser assets, embedded in the
// binary: the stylesheet, the page script and the vendored Chart.js
// (UMD build, MIT licence in chart.js.LICENSE.md).
package static

import "embed"

// FS serves under /static/.
//
//go:embed *.js *.css *.md
var FS embed.FS
