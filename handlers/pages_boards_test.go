package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPageBoardsWithoutJavaScript walks boards through plain forms: Bob
// saves Alice's pin into a group he creates from the pin page's picker;
// the count, the picker's state, the notification and the live event
// follow; the group page and Bob's profile show it to anyone, credited to
// Alice; related pins show its neighbours; a secret group stays Bob's.
func TestPageBoardsWithoutJavaScript(t *testing.T) {
	f := newFixture(t)
	other := f.e.createPin(f.alice, f.group, "neighbour")["id"].(string)
	b := f.e.newBrowser(&f.bob)
	page := b.get("/pins/" + f.pinID)
	expect(t, page, http.StatusOK, `<details class="saver" id="save"`, `name="new_title"`,
		`<a class="group-link" href="/groups/`+f.group+`">travel</a>`, `data-count="saves">0<`,
		"More like this", `data-pin="`+other, `data-source="/api/v1/pins/`+f.pinID+`/related"`)

	// An empty name is refused beside the field, on the pin page.
	expect(t, b.post("/pins/"+f.pinID+"/save", map[string]string{"new_title": " "}), http.StatusUnprocessableEntity, "Required.", `<details class="saver" id="save"`)
	expect(t, b.post("/pins/"+f.pinID+"/save", nil), http.StatusBadRequest)
	r := b.post("/pins/"+f.pinID+"/save", map[string]string{"new_title": "Ideas"})
	if r.status != http.StatusSeeOther || location(r) != "/pins/"+f.pinID {
		t.Fatalf("save into a new group: %d %q %.300s", r.status, location(r), r.body)
	}
	page = b.get("/pins/" + f.pinID)
	expect(t, page, http.StatusOK, "Saved to the group.", `data-count="saves">1<`, `name="unsave"`, `aria-pressed="true" data-title="Ideas"`)
	if len(f.e.pub.find("pin:"+f.pinID, "pin.saved")) != 1 {
		t.Error("pin.saved was not published once")
	}
	group := regexpFind(t, page.body, `name="unsave" value="([0-9a-f]{24})"`)
	// The save's notification is written after the response.
	eventually(t, 10*time.Second, "the save notification", func() bool {
		return strings.Contains(string(f.e.newBrowser(&f.alice).get("/notifications").body), "</a> saved your pin")
	})

	// Anyone sees Bob's public group with Alice's pin, credited to her,
	// and the group on Bob's profile.
	anon := f.e.newBrowser(nil)
	r = anon.get("/groups/" + group)
	expect(t, r, http.StatusOK, "Ideas", `data-pin="`+f.pinID, `href="/users/`+f.alice.id+`"`, `href="/users/`+f.bob.id+`"`, "1 pin<")
	if strings.Contains(string(r.body), "/groups/"+group+"/edit") {
		t.Error("a visitor sees the group's edit button")
	}
	expect(t, anon.get("/users/"+f.bob.id), http.StatusOK, `href="/groups/`+group+`"`, "Ideas", `class="collage"`)
	// The anonymous pin page: a disabled Save, no picker.
	r = anon.get("/pins/" + f.pinID)
	if strings.Contains(string(r.body), `name="new_title"`) {
		t.Error("a visitor got the save picker")
	}

	// Unsave through the same form.
	expect(t, b.post("/pins/"+f.pinID+"/save", map[string]string{"unsave": group}), http.StatusSeeOther)
	expect(t, b.get("/pins/"+f.pinID), http.StatusOK, `data-count="saves">0<`, "Removed from the group.")
	// Someone else's group is refused.
	expect(t, b.post("/pins/"+f.pinID+"/save", map[string]string{"save": f.group}), http.StatusForbidden)

	// A secret group, made without a cover: its owner's only.
	b.get("/groups/new")
	r = b.postMultipart("/groups", map[string]string{"title": "Hidden", "secret": "1"}, nil)
	secret := idOf(t, r)
	expect(t, b.get("/groups/"+secret), http.StatusOK, "Hidden", "Secret")
	expect(t, anon.get("/groups/"+secret), http.StatusNotFound)
	if strings.Contains(string(anon.get("/users/"+f.bob.id).body), "Hidden") {
		t.Error("a secret group shows on the profile")
	}
	expect(t, b.get("/groups/"+secret+"/edit"), http.StatusOK, `name="secret" value="1" checked`)

	// The related pins continue on their own page without script.
	expect(t, anon.get("/pins/"+f.pinID+"/related"), http.StatusOK, "More like this", `data-pin="`+other)
}

// TestPageSearchPeopleAndGroups: the search page's People and Groups tabs.
func TestPageSearchPeopleAndGroups(t *testing.T) {
	f := newFixture(t)
	anon := f.e.newBrowser(nil)
	r := anon.get("/search?tab=people&q=" + f.bob.nickname[:3])
	expect(t, r, http.StatusOK, `href="/users/`+f.bob.id+`"`, `aria-current="page">People<`)
	expect(t, anon.get("/search?tab=people&q=zzzz"), http.StatusOK, "Nobody by that name.")
	expect(t, anon.get("/search?tab=groups&q=trav"), http.StatusOK, `href="/groups/`+f.group+`"`)
	expect(t, anon.get("/search?tab=groups&q=zzzz"), http.StatusOK, "No groups match.")
}

// TestPageSaveIntoPostedGroupIsExplained: saving a pin, without script,
// into the group it was posted in is refused beside the picker, which
// stays open, in the page's language, rather than on the error page.
func TestPageSaveIntoPostedGroupIsExplained(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.alice)
	b.get("/pins/" + f.pinID)
	r := b.post("/pins/"+f.pinID+"/save", map[string]string{"save": f.group})
	expect(t, r, http.StatusUnprocessableEntity, `<details class="saver" id="save" data-saver="`+f.pinID+`" open>`,
		`<p class="field-error" role="alert">This pin is already in that group: it was posted there.</p>`, `data-count="saves">0<`)
	b.lang = "ko"
	expect(t, b.post("/pins/"+f.pinID+"/save", map[string]string{"save": f.group}), http.StatusUnprocessableEntity,
		"이 핀은 이미 그 그룹에 있습니다")
}
