//go:build !race

package fakegraph

// raceEnabled relaxes timing assertions under the race detector.
const raceEnabled = false
