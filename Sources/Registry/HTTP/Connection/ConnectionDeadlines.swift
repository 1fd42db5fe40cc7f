import NIOCore

/// How long a connection may take over each part of its life before the registry closes it: without
/// them a client that connects and stays silent, stops halfway through its headers or stalls its body
/// holds a socket (and a file descriptor) for ever, and a few hundred such clients starve `/healthz`.
struct ConnectionDeadlines: Sendable, Equatable {
    /// From the connection's start, or from the first byte of a later request, to the end of the request head.
    var header: TimeAmount
    /// The longest silence while a request body is being read.
    var bodyProgress: TimeAmount
    /// The longest silence between the end of a response and the next request's first byte.
    var keepAliveIdle: TimeAmount
}
