package main

import (
	"fmt"
	"strings"

	"mypinterest/internal/loadkit"
)

// scenarioNames lists every scenario in run order; the page-* ones need -html
// unless named in -only.
var scenarioNames = []string{"pins", "pin", "comments", "profile", "groups", "page-home", "page-pin", "page-profile"}

// buildScenarios turns the saved ids into the concrete requests.
func buildScenarios(st *State) map[string]loadkit.Scenario {
	fixed := map[string]loadkit.Request{
		"pins":         {Path: "/api/v1/pins"},
		"pin":          {Path: "/api/v1/pins/" + st.PinID},
		"comments":     {Path: "/api/v1/pins/" + st.PinID + "/comments"},
		"profile":      {Path: "/api/v1/users/" + st.UserID},
		"groups":       {Path: "/api/v1/groups", Token: st.Token},
		"page-home":    {Path: "/", HTML: true},
		"page-pin":     {Path: "/pins/" + st.PinID, HTML: true},
		"page-profile": {Path: "/users/" + st.UserID, HTML: true},
	}
	out := make(map[string]loadkit.Scenario, len(fixed))
	for name, r := range fixed {
		out[name] = loadkit.Scenario{Name: name, Next: loadkit.Fixed(r)}
	}
	return out
}

// selectScenarios resolves -only and -html into the names to run, in the
// canonical order.
func selectScenarios(only string, html bool) ([]string, error) {
	if strings.TrimSpace(only) == "" {
		var out []string
		for _, n := range scenarioNames {
			if html || !strings.HasPrefix(n, "page-") {
				out = append(out, n)
			}
		}
		return out, nil
	}
	want := make(map[string]bool)
	for _, n := range strings.Split(only, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		known := false
		for _, k := range scenarioNames {
			known = known || k == n
		}
		if !known {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(scenarioNames, ","))
		}
		want[n] = true
	}
	var out []string
	for _, n := range scenarioNames {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}
