package packaging

import (
	"bufio"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"idlebell/appinfo"
)

func fyneApp(t *testing.T) appinfo.Info {
	t.Helper()
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	info, err := appinfo.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// desktopKeys reads the [Desktop Entry] group of a desktop file.
func desktopKeys(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	group := ""
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "[") {
			group = l
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && group == "[Desktop Entry]" {
			if _, dup := keys[k]; dup {
				t.Errorf("%s: %s twice", path, k)
			}
			keys[k] = v
		}
	}
	return keys
}

func TestDesktopEntryFollowsFyneApp(t *testing.T) {
	app := fyneApp(t)
	path := app.ID + ".desktop"
	keys := desktopKeys(t, path)
	want := map[string]string{
		"Type":                      "Application",
		"Name":                      app.Name,
		"GenericName":               app.GenericName,
		"Comment":                   app.Comment,
		"Categories":                strings.Join(app.Categories, ";") + ";",
		"Keywords":                  strings.Join(app.Keywords, ";") + ";",
		"Icon":                      app.ID,
		"Exec":                      app.Name, // make install writes the absolute path
		"TryExec":                   app.Name,
		"Terminal":                  "false",
		"StartupNotify":             "false",
		"X-GNOME-UsesNotifications": "true",
		"Name[de]":                  app.Name,
		"GenericName[de]":           "E-Mail-Benachrichtigung",
		"Comment[de]":               "Meldet neue E-Mails sofort, über IMAP IDLE",
		"Keywords[de]":              "Mail;E-Mail;IMAP;IDLE;Benachrichtigung;Posteingang;",
	}
	for k, v := range want {
		if keys[k] != v {
			t.Errorf("%s: %s=%q, want %q (from FyneApp.toml where it has it)", path, k, keys[k], v)
		}
	}
	for k := range keys {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s is not checked here: add it to the test", path, k)
		}
	}
}

type metainfo struct {
	ID        string `xml:"id"`
	Name      string `xml:"name"`
	Summaries []struct {
		Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Text string `xml:",chardata"`
	} `xml:"summary"`
	Launchable string   `xml:"launchable"`
	Categories []string `xml:"categories>category"`
	Keywords   []string `xml:"keywords>keyword"`
	Binaries   []string `xml:"provides>binary"`
	URLs       []struct {
		Type string `xml:"type,attr"`
		URL  string `xml:",chardata"`
	} `xml:"url"`
	Screenshots []string `xml:"screenshots>screenshot>image"`
	Rating      struct {
		Type string `xml:"type,attr"`
	} `xml:"content_rating"`
	Releases []struct {
		Version string `xml:"version,attr"`
		Date    string `xml:"date,attr"`
	} `xml:"releases>release"`
}

func readMetainfo(t *testing.T, app appinfo.Info) metainfo {
	t.Helper()
	b, err := os.ReadFile(app.ID + ".metainfo.xml")
	if err != nil {
		t.Fatal(err)
	}
	var m metainfo
	if err := xml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMetainfoFollowsFyneApp(t *testing.T) {
	app := fyneApp(t)
	m := readMetainfo(t, app)
	if m.ID != app.ID || m.Name != app.Name || m.Launchable != app.ID+".desktop" {
		t.Errorf("metainfo id %q, name %q, launchable %q; want %q, %q, %q.desktop", m.ID, m.Name, m.Launchable, app.ID, app.Name, app.ID)
	}
	if len(m.Summaries) == 0 || m.Summaries[0].Text != app.Comment {
		t.Errorf("metainfo summaries %+v, want first %q (FyneApp.toml's Comment)", m.Summaries, app.Comment)
	}
	if !slices.Equal(m.Categories, app.Categories) || !slices.Equal(m.Keywords, app.Keywords) {
		t.Errorf("metainfo categories %q, keywords %q; want FyneApp.toml's %q, %q", m.Categories, m.Keywords, app.Categories, app.Keywords)
	}
	if !slices.Equal(m.Binaries, []string{app.Name}) {
		t.Errorf("metainfo provides binaries %q, want [%s]", m.Binaries, app.Name)
	}
	if m.Rating.Type != "oars-1.1" {
		t.Errorf("content_rating type %q, want oars-1.1", m.Rating.Type)
	}
	if len(m.Releases) == 0 || m.Releases[0].Version != app.Version {
		t.Errorf("newest metainfo release %+v, want FyneApp.toml's version %s", m.Releases, app.Version)
	}
	// Screenshots are the README's, from docs/.
	if len(m.Screenshots) == 0 {
		t.Error("metainfo has no screenshots")
	}
	for _, s := range m.Screenshots {
		if _, err := os.Stat(filepath.Join("..", "docs", filepath.Base(s))); err != nil || !strings.Contains(s, "/docs/") {
			t.Errorf("screenshot %s is not one in docs/: %v", s, err)
		}
	}
	nfpm, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range m.URLs {
		if u.Type == "homepage" && !strings.Contains(string(nfpm), "\nhomepage: "+u.URL+"\n") {
			t.Errorf("nfpm.yaml's homepage is not the metainfo's %s", u.URL)
		}
	}
}

// TestChangelogFollowsReleases: the Debian changelog has the metainfo's
// releases, newest first, with the same dates.
func TestChangelogFollowsReleases(t *testing.T) {
	app := fyneApp(t)
	m := readMetainfo(t, app)
	b, err := os.ReadFile("changelog")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`(?m)^idlebell \(([^)]+)\) \w+; urgency=\w+$`).FindAllStringSubmatch(string(b), -1)
	trailer := regexp.MustCompile(`(?m)^ -- .+ <[^>]+>  (\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4})$`).FindAllStringSubmatch(string(b), -1)
	if len(head) != len(m.Releases) || len(trailer) != len(m.Releases) {
		t.Fatalf("changelog: %d entries, %d trailers; metainfo: %d releases", len(head), len(trailer), len(m.Releases))
	}
	for i, r := range m.Releases {
		d, err := time.Parse(time.RFC1123Z, trailer[i][1])
		if err != nil {
			t.Errorf("changelog entry %d: date %q: %v", i, trailer[i][1], err)
		}
		if head[i][1] != r.Version || d.Format("2006-01-02") != r.Date {
			t.Errorf("changelog entry %d: %s of %s; metainfo release: %s of %s", i, head[i][1], d.Format("2006-01-02"), r.Version, r.Date)
		}
	}
}

// TestServiceDoesNotLoop: the systemd unit does not restart idlebell for
// the exit statuses a restart cannot change: 2 (the config cannot be used)
// and 3 (another idlebell holds the state file's lock, such as the tray app
// of the same user).
func TestServiceDoesNotLoop(t *testing.T) {
	b, err := os.ReadFile("idlebell.service")
	if err != nil {
		t.Fatal(err)
	}
	var prevent []string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RestartPreventExitStatus="); ok {
			prevent = append(prevent, strings.Fields(v)...)
		}
	}
	for _, status := range []string{"2", "3"} {
		if !slices.Contains(prevent, status) {
			t.Errorf("RestartPreventExitStatus = %v: lacks %s, so the unit restarts every RestartSec forever", prevent, status)
		}
	}
}
