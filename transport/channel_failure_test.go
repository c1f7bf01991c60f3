package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestProducerRelease(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(12))
		ic := open(t, p, p.cid(12), 2)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		buf, err := next(t, ic)
		if err != nil {
			t.Fatal(err)
		}
		ic.Recycle(buf)
		go func() {
			time.Sleep(50 * time.Millisecond) // let Next block
			s.Release()
		}()
		_, err = next(t, ic)
		if err == nil || err == io.EOF || !strings.Contains(err.Error(), "released") {
			t.Fatalf("Next after Release: %v, want a released error", err)
		}
		if err := s.Write(GetBuffer()); err == nil {
			t.Fatal("Write after Release succeeded")
		}
	})
}

func TestReleaseUnblocksWrite(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(13))
		done := writeAll(s, payload(1, 10)) // no consumer: no credit
		time.Sleep(50 * time.Millisecond)
		s.Release()
		within(t, 5*time.Second, "blocked Write to return", func() {
			if err := <-done; err == nil {
				t.Error("blocked Write returned nil after Release")
			}
		})
	})
}

func TestConsumerClose(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(14))
		ic := open(t, p, p.cid(14), 1)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		blocked := writeAll(s, payload(2, 10))
		time.Sleep(50 * time.Millisecond)
		ic.Close()
		within(t, 5*time.Second, "Write to fail after the consumer closed", func() {
			err := <-blocked
			if err == nil || !strings.Contains(err.Error(), "consumer closed") {
				t.Errorf("got %v, want consumer closed", err)
			}
		})
		if _, err := next(t, ic); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Next after Close: %v, want net.ErrClosed", err)
		}
	})
}

func TestConnectionKilled(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	// Channels both ways on the one connection: a produces for b and b
	// for a, each with a blocked writer and a blocked reader.
	type side struct {
		write <-chan error
		read  chan error
	}
	var sides []side
	for i, p := range []pair{{"ab", 0, a, b, a.addr}, {"ba", 0, b, a, b.addr}} {
		s := create(t, p.prod, cid(20+i))
		ic := open(t, p, cid(20+i), 1)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := next(t, ic); err != nil {
			t.Fatal(err)
		}
		// Not recycled: the next Write blocks for credit.
		s2 := create(t, p.prod, cid(30+i))
		ic2 := open(t, p, cid(30+i), 1)
		read := make(chan error, 1)
		go func() { _, err := ic2.Next(context.Background()); read <- err }()
		_ = s2
		sides = append(sides, side{writeAll(s, payload(2, 10)), read})
	}
	time.Sleep(50 * time.Millisecond)
	if n := liveConns(a.peers); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	a.peers.mu.Lock()
	for c := range a.peers.all {
		c.nc.Close() // as if the network dropped it
	}
	a.peers.mu.Unlock()
	for i, sd := range sides {
		within(t, 5*time.Second, fmt.Sprintf("side %d to fail", i), func() {
			if err := <-sd.write; err == nil || !strings.Contains(err.Error(), "connection lost") {
				t.Errorf("Write: %v, want connection lost", err)
			}
			if err := <-sd.read; err == nil || err == io.EOF || !strings.Contains(err.Error(), "connection lost") {
				t.Errorf("Next: %v, want connection lost", err)
			}
		})
	}
	// A new channel redials.
	p := pair{"ab", 0, a, b, a.addr}
	s := create(t, a, cid(40))
	ic := open(t, p, cid(40), 1)
	if err := <-writeAll(s, payload(1, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := next(t, ic); err != nil {
		t.Fatalf("channel after the connection died: %v", err)
	}
}

func TestNetworkClose(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	p := pair{"tcp", 0, a, b, a.addr}
	s := create(t, a, cid(50))
	ic := open(t, p, cid(50), 1)
	if err := <-writeAll(s, payload(1, 10)); err != nil {
		t.Fatal(err)
	}
	blocked := writeAll(s, payload(2, 10))
	waiting := create(t, a, cid(51)) // no consumer yet
	waitingDone := writeAll(waiting, payload(1, 10))
	local := open(t, pair{"local", 0, b, b, b.addr}, cid(52), 1)
	localRead := make(chan error, 1)
	go func() { _, err := local.Next(context.Background()); localRead <- err }()
	remote := open(t, p, cid(53), 1) // requested from a, not registered
	remoteRead := make(chan error, 1)
	go func() { _, err := remote.Next(context.Background()); remoteRead <- err }()
	time.Sleep(50 * time.Millisecond)

	a.net.Close()
	within(t, 5*time.Second, "a's channels to fail", func() {
		for name, ch := range map[string]<-chan error{"blocked Write": blocked, "unrequested Write": waitingDone} {
			if err := <-ch; !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s: %v, want net.ErrClosed", name, err)
			}
		}
		// b's request to a was refused with a's reason.
		if err := <-remoteRead; err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("remote Next: %v, want the producer's network closed", err)
		}
	})
	b.net.Close()
	within(t, 5*time.Second, "b's channels to fail", func() {
		if err := <-localRead; !errors.Is(err, net.ErrClosed) {
			t.Errorf("local Next: %v, want net.ErrClosed", err)
		}
	})
	if _, err := ic.Next(context.Background()); err == nil || err == io.EOF {
		t.Fatalf("Next after Close: %v", err)
	}
	if _, err := a.net.CreateSubpartition(cid(54)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("CreateSubpartition after Close: %v", err)
	}
	if _, err := b.net.OpenInputChannel(context.Background(), a.addr, cid(54), 1); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("OpenInputChannel after Close: %v", err)
	}
}

func TestNoNetworkOnProducer(t *testing.T) {
	a := newNode(t, "", Config{})
	b := newDataNode(t, NetworkConfig{})
	ic := open(t, pair{"tcp", 0, nil, b, a.addr}, cid(60), 1)
	if _, err := next(t, ic); err == nil || !strings.Contains(err.Error(), "no data network") {
		t.Fatalf("got %v, want no data network", err)
	}
}
