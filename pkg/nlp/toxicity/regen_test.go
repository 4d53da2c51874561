package toxicity

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var regen = flag.Bool("regen", false, "rebuild data/obscene.txt from ../shared/data/lexicons/ldnoobw")

// TestObsceneListDerived checks data/obscene.txt is exactly what the LDNOOBW
// fr and en lists give once normalised (accents, case, spacing folded),
// ambiguous entries removed, merged and sorted; -regen rewrites it.
func TestObsceneListDerived(t *testing.T) {
	dir, _ := os.Getwd()
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "shared", "data")); err == nil {
			break
		}
		if dir == filepath.Dir(dir) {
			t.Skip("../shared/data is absent (a user's checkout): cannot check the derived list")
		}
	}
	set := map[string]bool{}
	for _, lang := range []string{"fr", "en"} {
		b, err := os.ReadFile(filepath.Join(dir, "shared", "data", "lexicons", "ldnoobw", lang+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k := normPhrase(strings.TrimSpace(line)); k != "" && !exclusions[k] {
				set[k] = true
			}
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := "# Derived from LDNOOBW (List of Dirty, Naughty, Obscene and Otherwise Bad Words), fr and en lists,\n" +
		"# CC BY 4.0: normalised forms, ambiguous entries removed (see exclusions). Rebuild: go test -run TestObsceneListDerived -regen\n" +
		strings.Join(keys, "\n") + "\n"
	if *regen {
		if err := os.WriteFile("data/obscene.txt", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out != obsceneTxt {
		t.Fatal("data/obscene.txt is not derived from the current lists; rebuild with: go test -run TestObsceneListDerived -regen")
	}
}
