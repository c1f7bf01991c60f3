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
//	KindPeer (2)  one connection per node pair for control RPC and, later,
//	              data channels, via Peers
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
//
// The hello lets the accepting node pool the connection under the dialer's
// advertised address and reuse it for calls back. Either side may send
// requests; ids are scoped to the sender, because the frame type says
// whether an id refers to a request sent or received. Data and credit frames
// for flow-controlled channels will take the next type numbers, with the id
// naming the channel; until then such types are rejected as malformed.
//
// A length prefix above the configured maximum closes the connection before
// anything is allocated, so a corrupt or hostile peer costs at most one
// maximum-size buffer per connection.
package transport
