// Package transport carries all node-to-node traffic over a single TCP port.
//
// One port per node keeps deployment simple (one firewall rule, one address
// to advertise), yet Raft must not share a connection with bulk data, or a
// heartbeat could wait behind megabytes of records and trigger an election.
// So the port is multiplexed per connection, not per message: the first byte
// of every connection names its kind and Mux hands the connection to the
// matching listener.
//
//	KindRaft (1)  hashicorp/raft's own connections, via RaftLayer
//	KindPeer (2)  one connection per node pair for control RPC and data
//	              channels, via Peers and Network
//
// A peer connection is a sequence of frames in both directions:
//
//	+--------+----------------+----------------+-----------------+
//	| type 1 | id 4 (BE)      | length 4 (BE)  | payload         |
//	+--------+----------------+----------------+-----------------+
//
//	hello     1  dialer's first frame; payload is msgpack {advertise}
//	request   2  id = caller's request id; payload is
//	             method length 2 (BE) | method | msgpack body
//	response  3  id = request id; payload is the msgpack response
//	error     4  id = request id; payload is the error message
//	data      5  producer -> consumer, id = stream; payload is one buffer
//	credit    6  consumer -> producer, id = stream; payload is a 4-byte (BE)
//	             count of buffers the consumer freed
//	open      7  consumer -> producer, id = stream, chosen by the consumer;
//	             payload is msgpack {channel id, initial credit}
//	end       8  producer -> consumer, id = stream; end of partition, after
//	             the last data frame; empty payload
//	release   9  producer -> consumer, id = stream; the channel failed
//	             (released, not registered in time, network closed);
//	             payload is the reason
//	cancel   10  consumer -> producer, id = stream; the consumer gave up;
//	             payload is the reason
//
// The hello lets the accepting node pool the connection under the dialer's
// advertised address and reuse it for calls back. Either side may send
// requests; ids are scoped to the sender, because the frame type says
// whether an id refers to a request sent or received.
//
// Data channels (Network) use credit-based flow control, as Flink does: the
// consumer opens a stream with an initial credit, the number of buffers it
// will hold; the producer sends a data frame only while it has credit, and
// the consumer returns credit as it recycles buffers. A channel without
// credit stalls only its producer, never the connection, and a receiver
// never blocks reading: it can always queue what arrives. Stream ids are
// chosen by the consumer and, like request ids, scoped by direction: data,
// end and release frames name the receiver's own streams, credit, open and
// cancel frames the sender's. Frames for streams that are no longer known
// are dropped, since they race with a close at the other end. A producer
// that sends beyond its credit, or a consumer that credits more than it was
// sent, violates the protocol.
//
// One goroutine per connection writes: senders queue frames and it writes
// whatever queued up with one writev, credits first, then control frames,
// then data, so an RPC never waits behind buffered data.
//
// A length prefix above the configured maximum closes the connection before
// anything is allocated, so a corrupt or hostile peer costs at most one
// maximum-size buffer per connection. Any other protocol violation also
// closes the connection, with the reason logged; all channels on it fail.
package transport
