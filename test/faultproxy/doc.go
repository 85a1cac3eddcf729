// Package faultproxy is a TCP proxy for fault tests: it stands between a
// client and a server (an S3 provider, a Cassandra node, a dolium) and can
// be switched, while it runs, to refuse, blackhole, slow down or cut the
// connections it carries.
//
//	p, err := faultproxy.Start("127.0.0.1:0", server.Addr)
//	// point the client at p.Addr()
//	p.SetMode(faultproxy.Blackhole) // a partition: requests time out
//	p.SetMode(faultproxy.Pass)      // healed
//
// # Modes
//
//   - Pass forwards bytes both ways, honouring half-closes.
//   - Refuse resets each connection as soon as it is accepted (SO_LINGER
//     0, so the client gets a TCP reset at once, like from a host with
//     nothing listening). The proxy keeps listening rather than closing
//     its socket, so its port cannot be taken by another process and
//     Pass later works on the same address.
//   - Blackhole accepts connections and reads and discards what clients
//     send, never answering or forwarding: clients wait until their own
//     timeouts. Setting it also stops forwarding on open connections
//     (their target side is closed) instead of cutting them, since across
//     a real partition a pooled keep-alive connection hangs too; a cut
//     would let clients fail fast and hide missing timeouts. Leaving
//     Blackhole resets the connections it held.
//   - Slow forwards, sleeping Delay before each SlowChunk (64 KiB) of data
//     in either direction; a small request and its small answer pay two
//     delays, a transfer of n bytes at least n/SlowChunk.
//   - Reset forwards until a connection has carried ResetAfter bytes in
//     both directions together, then resets it (SO_LINGER 0 and Close),
//     cutting a transfer mid-stream.
//
// Switching to Refuse or Reset resets the open connections, so that no
// pooled connection escapes the new mode; Slow and Pass apply to open
// connections from their next bytes on. When the target refuses a
// connection the proxy resets the client's. Close stops listening, resets
// every connection and waits for the proxy's goroutines.
package faultproxy
