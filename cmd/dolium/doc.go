// Command dolium is the S3 gateway. `dolium serve` runs it; see the README
// for flags, environment variables and the config file.
package main
