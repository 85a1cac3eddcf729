// Package failpoint lets tests crash the process at named points of an
// operation, to check that every crash point leaves the stores consistent.
//
// Failpoints are off unless the environment variable DOLIUM_FAILPOINTS names
// them when the process starts: a comma-separated list of NAME or NAME@N
// (crash at the N-th time NAME is reached; default the first). Reaching an
// enabled failpoint writes one line to standard error and kills the process
// with SIGKILL, as abruptly as a power cut as far as dolium's own files and
// connections are concerned (the kernel still flushes written pages). With
// the variable unset, Hit costs one atomic load.
package failpoint
