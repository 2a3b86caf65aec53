package api

import (
	"strings"
	"testing"
)

func TestZones(t *testing.T) {
	want := map[Zone]string{
		ZoneEU1:        "https://eu1.make.com/api/v2",
		ZoneEU2:        "https://eu2.make.com/api/v2",
		ZoneUS1:        "https://us1.make.com/api/v2",
		ZoneUS2:        "https://us2.make.com/api/v2",
		ZoneCelonisEU1: "https://eu1.make.celonis.com/api/v2",
		ZoneCelonisUS1: "https://us1.make.celonis.com/api/v2",
	}
	if len(Zones()) != len(want) {
		t.Fatalf("Zones() = %v", Zones())
	}
	for _, z := range Zones() {
		if z.BaseURL() != want[z] {
			t.Errorf("%s.BaseURL() = %q, want %q", z, z.BaseURL(), want[z])
		}
		host := strings.TrimSuffix(strings.TrimPrefix(want[z], "https://"), "/api/v2")
		for _, in := range []string{string(z), strings.ToUpper(string(z)), " " + string(z) + " ", host} {
			if got, err := ParseZone(in); err != nil || got != z {
				t.Errorf("ParseZone(%q) = %q, %v; want %q", in, got, err, z)
			}
		}
	}
	if Zone("mars").BaseURL() != "" {
		t.Error("unknown zone has a base URL")
	}
	_, err := ParseZone("eu3")
	scanErr(err)
	if err == nil || !strings.Contains(err.Error(), `unknown zone "eu3"`) || !strings.Contains(err.Error(), "celonis-us1") {
		t.Errorf("err = %v, want it to name the zone and list the known ones", err)
	}
	if DefaultZone != ZoneEU1 {
		t.Errorf("DefaultZone = %s", DefaultZone)
	}
}
