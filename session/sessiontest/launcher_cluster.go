package sessiontest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// clusterSlots is the number of hash slots in a Redis Cluster.
const clusterSlots = 16384

// clusterLimit bounds each wait while a cluster forms or fails over.
const clusterLimit = 30 * time.Second

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// Masters is the number of master nodes; the hash slots are split
	// evenly between them. Default 3.
	Masters int
	// ReplicasPerMaster is the number of replicas of each master.
	// Default 0. KillMaster can only promote a replica with at least 3
	// masters (a failover needs a majority of the masters to agree).
	ReplicasPerMaster int
	// NodeTimeout is cluster-node-timeout: how long a node may be
	// unreachable before it is considered failing, which bounds how fast
	// KillMaster's failover happens. Default 1s with replicas, 3s without
	// (no failover is possible then, and a longer timeout keeps a busy
	// machine from marking a slow node as failed).
	NodeTimeout time.Duration
	// Args are extra redis-server arguments for every node.
	Args []string
}

// Cluster is a Redis Cluster of real redis-server processes on loopback,
// owned by a test and killed when it ends.
type Cluster struct {
	tb       testing.TB
	masters  []*Server
	replicas [][]*Server // replicas[i] are the replicas of masters[i]
	ids      map[*Server]string
	killed   map[int]bool
}

// StartCluster starts cluster-enabled nodes on free loopback ports, assigns
// every hash slot to the masters, attaches the replicas, and waits until
// every node reports cluster_state:ok and knows every other node in its
// role, and every replica is in sync with its master.
func StartCluster(tb testing.TB, opts ClusterOptions) *Cluster {
	tb.Helper()
	RequireRedis(tb)
	if opts.Masters == 0 {
		opts.Masters = 3
	}
	if opts.Masters < 0 || opts.Masters > clusterSlots || opts.ReplicasPerMaster < 0 || opts.NodeTimeout < 0 {
		tb.Fatalf("sessiontest: invalid ClusterOptions %+v", opts)
	}
	if opts.NodeTimeout == 0 {
		opts.NodeTimeout = 3 * time.Second
		if opts.ReplicasPerMaster > 0 {
			opts.NodeTimeout = time.Second
		}
	}
	base := append(baseArgs(false),
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(opts.NodeTimeout.Milliseconds(), 10),
		"--cluster-replica-validity-factor", "0", // any replica may take over, however stale
		"--cluster-allow-replica-migration", "no",
		"--repl-diskless-sync", "yes",
		"--repl-diskless-sync-delay", "0", // first sync at once (the default waits 5s)
	)
	c := &Cluster{tb: tb, ids: map[*Server]string{}, killed: map[int]bool{}}
	var all []*Server
	for range opts.Masters {
		s := newServer(tb, base, opts.Args, true)
		c.masters = append(c.masters, s)
		all = append(all, s)
	}
	for range opts.Masters {
		var rs []*Server
		for range opts.ReplicasPerMaster {
			s := newServer(tb, base, opts.Args, true)
			rs = append(rs, s)
			all = append(all, s)
		}
		c.replicas = append(c.replicas, rs)
	}
	if err := startAll(all); err != nil {
		tb.Fatal(err)
	}
	if err := c.form(opts); err != nil {
		tb.Fatal(err)
	}
	return c
}

// startAll starts the servers concurrently.
func startAll(servers []*Server) error {
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { errs[i] = s.startFresh() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// form assigns slots, introduces the nodes, attaches replicas and waits for
// a healthy cluster, as redis-cli --cluster create does.
func (c *Cluster) form(opts ClusterOptions) error {
	nodes := c.Nodes()
	for i, s := range nodes {
		// A fresh node can already have heard from a cluster of another
		// test process: a node of it that died left this port (and its bus
		// port) free, and its peers still call there, which can raise this
		// node's config epoch ("ERR Node config epoch is already non-zero"
		// below). A hard reset makes it a new, empty node: epoch 0, no
		// known nodes, a new id.
		if _, err := s.Do("CLUSTER", "RESET", "HARD"); err != nil {
			return err
		}
		id, err := s.Do("CLUSTER", "MYID")
		if err != nil {
			return err
		}
		c.ids[s] = id
		// Distinct config epochs, so no epoch collision has to be resolved.
		if _, err := s.Do("CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
			return err
		}
	}
	for i, m := range c.masters {
		lo := i * clusterSlots / len(c.masters)
		hi := (i+1)*clusterSlots/len(c.masters) - 1
		if _, err := m.Do("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(lo), strconv.Itoa(hi)); err != nil {
			return fmt.Errorf("sessiontest: assign slots %d-%d to %s: %w", lo, hi, m.Addr(), err)
		}
	}
	first := nodes[0]
	for _, s := range nodes[1:] {
		if _, err := first.Do("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(s.port)); err != nil {
			return fmt.Errorf("sessiontest: CLUSTER MEET %s: %w", s.Addr(), err)
		}
	}
	// Every node must know every other one before a replica can name its master.
	if err := c.waitFor("every node to know every other node", func() error {
		for _, s := range nodes {
			view, err := clusterNodes(s)
			if err != nil {
				return err
			}
			for _, o := range nodes {
				if n, ok := view[c.ids[o]]; !ok || n.has("handshake") || n.has("noaddr") {
					return fmt.Errorf("%s does not know %s yet", s.Addr(), o.Addr())
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for i, rs := range c.replicas {
		for _, r := range rs {
			if _, err := r.Do("CLUSTER", "REPLICATE", c.ids[c.masters[i]]); err != nil {
				return fmt.Errorf("sessiontest: make %s a replica of %s: %w", r.Addr(), c.masters[i].Addr(), err)
			}
		}
	}
	return c.waitHealthy("the cluster to form", nodes)
}

// waitHealthy waits until every live node reports cluster_state:ok and
// agrees on every node's role, and every live replica is in sync.
func (c *Cluster) waitHealthy(what string, live []*Server) error {
	return c.waitFor(what, func() error {
		for _, s := range live {
			info, err := s.Do("CLUSTER", "INFO")
			if err != nil {
				return err
			}
			if st := infoField(info, "cluster_state"); st != "ok" {
				return fmt.Errorf("%s: cluster_state:%s", s.Addr(), st)
			}
			view, err := clusterNodes(s)
			if err != nil {
				return err
			}
			for _, o := range live {
				n, ok := view[c.ids[o]]
				if !ok || n.has("fail") || n.has("fail?") {
					return fmt.Errorf("%s does not see %s as healthy", s.Addr(), o.Addr())
				}
				if want, isReplica := c.currentMasterOf(o, live); isReplica && n.master != c.ids[want] {
					return fmt.Errorf("%s does not see %s as a replica of %s yet", s.Addr(), o.Addr(), want.Addr())
				}
			}
		}
		for _, s := range live {
			if _, isReplica := c.currentMasterOf(s, live); !isReplica {
				continue
			}
			info, err := s.Do("INFO", "replication")
			if err != nil {
				return err
			}
			if infoField(info, "master_link_status") != "up" || infoField(info, "master_sync_in_progress") != "0" {
				return fmt.Errorf("replica %s is not in sync yet", s.Addr())
			}
		}
		return nil
	})
}

// currentMasterOf returns the master a node should replicate, from the
// node's own view: whom it names as master, if it is a replica.
func (c *Cluster) currentMasterOf(s *Server, live []*Server) (*Server, bool) {
	view, err := clusterNodes(s)
	if err != nil {
		return nil, false
	}
	me := view[c.ids[s]]
	if me.master == "" {
		return nil, false
	}
	for _, o := range live {
		if c.ids[o] == me.master {
			return o, true
		}
	}
	return nil, false
}

func (c *Cluster) waitFor(what string, check func() error) error {
	deadline := time.Now().Add(clusterLimit)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sessiontest: timed out after %v waiting for %s: %w", clusterLimit, what, err)
		}
		time.Sleep(pollInterval)
	}
}

// Addrs returns the address of every node, the masters first (in the roles
// they had at start, whatever failovers happened since).
func (c *Cluster) Addrs() []string {
	var out []string
	for _, s := range c.Nodes() {
		out = append(out, s.Addr())
	}
	return out
}

// URL returns a go-redis ParseClusterURL URL naming every node:
// "redis://127.0.0.1:p1?addr=127.0.0.1:p2&addr=127.0.0.1:p3".
func (c *Cluster) URL() string {
	addrs := c.Addrs()
	var b strings.Builder
	b.WriteString("redis://" + addrs[0])
	for i, a := range addrs[1:] {
		if i == 0 {
			b.WriteString("?addr=")
		} else {
			b.WriteString("&addr=")
		}
		b.WriteString(a)
	}
	return b.String()
}

// Nodes returns every node: the masters, then the replicas (those of master
// 0 first), in the roles they had at start.
func (c *Cluster) Nodes() []*Server {
	out := append([]*Server{}, c.masters...)
	for _, rs := range c.replicas {
		out = append(out, rs...)
	}
	return out
}

// Masters returns the master nodes as they were at start.
func (c *Cluster) Masters() []*Server { return append([]*Server{}, c.masters...) }

// Replicas returns the replicas of master i as they were at start.
func (c *Cluster) Replicas(i int) []*Server { return append([]*Server{}, c.replicas[i]...) }

// KillMaster kills master i (its index in the start order) with SIGKILL and
// returns it. When it has replicas, KillMaster waits until one of them has
// been promoted and every remaining node reports cluster_state:ok again.
// Without replicas the cluster is left failing (its slots are uncovered)
// until the node is restarted with Restart.
func (c *Cluster) KillMaster(i int) *Server {
	c.tb.Helper()
	if i < 0 || i >= len(c.masters) {
		c.tb.Fatalf("sessiontest: KillMaster(%d): the cluster has %d masters", i, len(c.masters))
	}
	if c.killed[i] {
		c.tb.Fatalf("sessiontest: KillMaster(%d): already killed", i)
	}
	if len(c.replicas[i]) > 0 && len(c.masters) < 3 {
		c.tb.Fatalf("sessiontest: KillMaster(%d): a failover needs at least 3 masters, the cluster has %d", i, len(c.masters))
	}
	c.killed[i] = true
	m := c.masters[i]
	m.Kill()
	if len(c.replicas[i]) == 0 {
		return m
	}
	var live []*Server
	for _, s := range c.Nodes() {
		if s != m && s.Running() {
			live = append(live, s)
		}
	}
	err := c.waitFor(fmt.Sprintf("a replica of %s to be promoted", m.Addr()), func() error {
		for _, r := range c.replicas[i] {
			view, err := clusterNodes(r)
			if err != nil {
				return err
			}
			if me := view[c.ids[r]]; me.has("master") && me.slots {
				return nil
			}
		}
		return errors.New("no replica is master yet")
	})
	if err == nil {
		err = c.waitHealthy("the cluster to recover", live)
	}
	if err != nil {
		c.tb.Fatal(err)
	}
	return m
}

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	flags  []string
	master string // id of its master when it is a replica
	slots  bool   // whether it serves any slot
}

func (n clusterNode) has(flag string) bool {
	for _, f := range n.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// clusterNodes returns a node's view of the cluster, keyed by node id.
func clusterNodes(s *Server) (map[string]clusterNode, error) {
	out, err := s.Do("CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	view := map[string]clusterNode{}
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		// <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> ...
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("sessiontest: unexpected CLUSTER NODES line %q", line)
		}
		n := clusterNode{flags: strings.Split(f[2], ","), slots: len(f) > 8}
		if f[3] != "-" {
			n.master = f[3]
		}
		view[f[0]] = n
	}
	return view, nil
}
