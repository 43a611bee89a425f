package auth

import (
	"testing"
	"time"
)

// TestUserCredentialsBounded: the process keeps at most MaxTokenFiles
// refresh-token sources, dropping the least recently asked-for one; the
// ones kept are still shared.
func TestUserCredentialsBounded(t *testing.T) {
	e := newEndpoint(t)
	usersMu.Lock()
	before := users.Len()
	usersMu.Unlock()
	var first, second, last *UserSource
	var firstCfg, secondCfg UserConfig
	for i := range MaxTokenFiles + 1 {
		cfg := userConfig(e, writeFile(t, "at", "rt", time.Now().Add(time.Hour)))
		s, err := UserCredentials(cfg)
		if err != nil {
			t.Fatal(err)
		}
		switch i {
		case 0:
			first, firstCfg = s, cfg
		case 1:
			second, secondCfg = s, cfg
		}
		last = s
		if i == MaxTokenFiles-1 {
			// Touch the first: it is then not the least recently used.
			if again, _ := UserCredentials(firstCfg); again != first {
				t.Fatalf("the first source was not kept")
			}
		}
	}
	usersMu.Lock()
	n := users.Len()
	usersMu.Unlock()
	if n != MaxTokenFiles {
		t.Errorf("%d sources kept (%d before), want the bound %d", n, before, MaxTokenFiles)
	}
	if again, _ := UserCredentials(firstCfg); again != first {
		t.Errorf("the recently used first source was dropped")
	}
	if again, _ := UserCredentials(userConfig(e, last.cfg.TokenFile)); again != last {
		t.Errorf("the last source is not shared")
	}
	if again, _ := UserCredentials(secondCfg); again == second {
		t.Errorf("the least recently used source (the second) was kept")
	}
}
