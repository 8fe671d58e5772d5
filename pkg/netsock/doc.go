//go:build linux

// Package netsock answers what socket inode N is in network namespace X:
// it reads the socket tables under /proc/PID/net (tcp, udp, udplite, raw,
// icmp and their IPv6 twins, unix, netlink, packet) of one member process
// per namespace, once per run and only when a socket is asked about, and
// indexes them by inode. It also names hosts and ports as lsof does.
package netsock
