package transport

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
)

// BenchmarkNetworkThroughput moves 32 KiB buffers over one data channel
// between two Networks on loopback TCP; compare with BenchmarkRawTCP. The
// credit window decides how much of the transfer overlaps: 8 is the node's
// default (node.channelCredits), 10 Flink's (2 exclusive + 8 floating
// buffers), and with 64 the writer batches many frames per writev.
func BenchmarkNetworkThroughput(b *testing.B) {
	for _, credits := range []int{8, 10, 16, 64} {
		b.Run(fmt.Sprintf("credits=%d", credits), func(b *testing.B) { benchmarkThroughput(b, credits) })
	}
}

func benchmarkThroughput(b *testing.B, credits int) {
	a, c := newDataNode(b, NetworkConfig{}), newDataNode(b, NetworkConfig{})
	s, err := a.net.CreateSubpartition(cid(1))
	if err != nil {
		b.Fatal(err)
	}
	ic, err := c.net.OpenInputChannel(context.Background(), a.addr, cid(1), credits)
	if err != nil {
		b.Fatal(err)
	}
	defer ic.Close()
	pump(b, s, ic)
}

// BenchmarkRawTCP moves the same volume with plain 32 KiB net.Conn writes
// and reads in the same process: the ceiling for the data channels.
func BenchmarkRawTCP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- nc
	}()
	w, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r := <-accepted
	if r == nil {
		b.Fatal("accept failed")
	}
	defer r.Close()
	done := make(chan error, 1)
	b.SetBytes(BufferSize)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		buf := make([]byte, BufferSize)
		for range b.N {
			if _, err := w.Write(buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	buf := make([]byte, BufferSize)
	for range b.N {
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNetworkLocal moves 32 KiB buffers over one in-memory channel.
func BenchmarkNetworkLocal(b *testing.B) {
	a := newDataNode(b, NetworkConfig{})
	s, err := a.net.CreateSubpartition(cid(1))
	if err != nil {
		b.Fatal(err)
	}
	ic, err := a.net.OpenInputChannel(context.Background(), a.addr, cid(1), 8)
	if err != nil {
		b.Fatal(err)
	}
	defer ic.Close()
	pump(b, s, ic)
}

// pump sends b.N full buffers from s and drains them from ic, reporting
// bytes per second.
func pump(b *testing.B, s *Subpartition, ic *InputChannel) {
	done := make(chan error, 1)
	b.SetBytes(BufferSize)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := s.Write(GetBuffer()[:BufferSize]); err != nil {
				done <- err
				return
			}
		}
		done <- s.Finish()
	}()
	for {
		buf, err := ic.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		ic.Recycle(buf)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
