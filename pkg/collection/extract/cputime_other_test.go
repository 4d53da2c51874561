//go:build !unix

package extract

import "time"

// cpuTime is not measured here: the comparison prints zero CPU times.
func cpuTime() time.Duration { return 0 }
