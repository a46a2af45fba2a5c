package cost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// raplZone is one top-level RAPL package domain.
type raplZone struct {
	path string // the zone's energy_uj file
	max  uint64 // max_energy_range_uj: the counter wraps after it
}

// findRAPL lists the readable top-level RAPL zones under root
// (intel-rapl:N; its subzones intel-rapl:N:M are parts of it and the psys
// zone overlaps the packages, so both are left out), or says why there are
// none.
func findRAPL(root string) ([]raplZone, string) {
	dirs, err := filepath.Glob(filepath.Join(root, "intel-rapl:*"))
	if err != nil || len(dirs) == 0 {
		return nil, fmt.Sprintf("no RAPL counters (%s/intel-rapl:* absent: not Linux, no RAPL support, or a VM or container without powercap)", root)
	}
	sort.Strings(dirs)
	var zones []raplZone
	var why []string
	for _, d := range dirs {
		if strings.Count(filepath.Base(d), ":") != 1 {
			continue
		}
		if name, err := os.ReadFile(filepath.Join(d, "name")); err == nil && strings.TrimSpace(string(name)) == "psys" {
			continue
		}
		z := raplZone{path: filepath.Join(d, "energy_uj")}
		if _, err := readUint(z.path); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				why = append(why, fmt.Sprintf("%s is not readable (permission denied: root only since Linux 5.10)", z.path))
			} else {
				why = append(why, err.Error())
			}
			continue
		}
		mx, err := readUint(filepath.Join(d, "max_energy_range_uj"))
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		z.max = mx
		zones = append(zones, z)
	}
	if len(why) > 0 {
		// All packages or none: a partial sum would undercount.
		return nil, "RAPL counters unusable: " + strings.Join(why, "; ")
	}
	if len(zones) == 0 {
		return nil, fmt.Sprintf("no RAPL package zone under %s", root)
	}
	return zones, ""
}

// readRAPL reads every zone's counter.
func readRAPL(zs []raplZone) ([]uint64, error) {
	out := make([]uint64, len(zs))
	for i, z := range zs {
		v, err := readUint(z.path)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// wrapDelta is end − start for a counter that wraps to 0 after max.
func wrapDelta(start, end, max uint64) uint64 {
	if end >= start {
		return end - start
	}
	return max - start + end
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
