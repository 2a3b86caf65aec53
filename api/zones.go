package api

import (
	"fmt"
	"strings"
)

// Zone is a Make environment ("zone"): the host you see in the browser when
// you use your organization. Tokens are issued per zone, so a token from eu1
// is rejected by us1.
type Zone string

// The zones listed in Make's AI Agents API reference.
const (
	ZoneEU1        Zone = "eu1"
	ZoneEU2        Zone = "eu2"
	ZoneUS1        Zone = "us1"
	ZoneUS2        Zone = "us2"
	ZoneCelonisEU1 Zone = "celonis-eu1"
	ZoneCelonisUS1 Zone = "celonis-us1"
)

// DefaultZone is used when neither WithZone, WithBaseURL, MAKE_ZONE nor
// MAKE_BASE_URL says otherwise.
const DefaultZone = ZoneEU1

// zoneHosts maps each zone to its API host; the list is the spec's servers.
var zoneHosts = map[Zone]string{
	ZoneEU1:        "eu1.make.com",
	ZoneEU2:        "eu2.make.com",
	ZoneUS1:        "us1.make.com",
	ZoneUS2:        "us2.make.com",
	ZoneCelonisEU1: "eu1.make.celonis.com",
	ZoneCelonisUS1: "us1.make.celonis.com",
}

// Zones returns every known zone, in a stable order (for help texts and
// shell completion).
func Zones() []Zone {
	return []Zone{ZoneEU1, ZoneEU2, ZoneUS1, ZoneUS2, ZoneCelonisEU1, ZoneCelonisUS1}
}

// ParseZone accepts a zone name ("eu1", "celonis-us1") case-insensitively,
// and also the zone's host ("eu1.make.com"), since that is what users copy
// from the browser's address bar.
func ParseZone(s string) (Zone, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if _, ok := zoneHosts[Zone(name)]; ok {
		return Zone(name), nil
	}
	for z, host := range zoneHosts {
		if name == host {
			return z, nil
		}
	}
	names := make([]string, 0, len(zoneHosts))
	for _, z := range Zones() {
		names = append(names, string(z))
	}
	return "", fmt.Errorf("makeagents: unknown zone %.40q (want one of %s, or set a base URL)", s, strings.Join(names, ", "))
}

// BaseURL is the zone's API base, including /api/v2, e.g.
// "https://eu1.make.com/api/v2". It is "" for an unknown zone.
func (z Zone) BaseURL() string {
	host, ok := zoneHosts[z]
	if !ok {
		return ""
	}
	return "https://" + host + "/api/v2"
}

// String returns the zone's name.
func (z Zone) String() string { return string(z) }
