//go:build linux

package bench

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// TCPInfo is what the kernel counts for one TCP socket (ss -i): segments
// include those without payload (ACKs, keep-alive probes), which byte
// counts above TCP do not see.
type TCPInfo struct {
	LocalPort   int
	SegsOut     int64
	DataSegsOut int64
	SegsIn      int64
	DataSegsIn  int64
	BytesSent   int64
	BytesRecvd  int64
}

var (
	ssAddr  = regexp.MustCompile(`^\S+\s+\S+\s+\S+:(\d+)\s+\S+`)
	ssField = regexp.MustCompile(`\b(segs_out|data_segs_out|segs_in|data_segs_in|bytes_sent|bytes_received):(\d+)`)
)

// TCPSockets lists the established TCP sockets matching an ss filter
// expression, e.g. "dport = :993" or "sport = :40000".
func TCPSockets(filter string) ([]TCPInfo, error) {
	args := append([]string{"-tinH", "state", "established"}, strings.Fields(filter)...)
	out, err := exec.Command("ss", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("ss %s: %w", strings.Join(args, " "), err)
	}
	var infos []TCPInfo
	for _, line := range strings.Split(string(out), "\n") {
		if m := ssAddr.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			p, _ := strconv.Atoi(m[1])
			infos = append(infos, TCPInfo{LocalPort: p})
			continue
		}
		if len(infos) == 0 {
			continue
		}
		ti := &infos[len(infos)-1]
		fields := map[string]*int64{"segs_out": &ti.SegsOut, "data_segs_out": &ti.DataSegsOut, "segs_in": &ti.SegsIn,
			"data_segs_in": &ti.DataSegsIn, "bytes_sent": &ti.BytesSent, "bytes_received": &ti.BytesRecvd}
		for _, m := range ssField.FindAllStringSubmatch(line, -1) {
			if f := fields[m[1]]; f != nil {
				*f, _ = strconv.ParseInt(m[2], 10, 64)
			}
		}
	}
	return infos, nil
}
