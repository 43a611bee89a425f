package lru

import (
	"strconv"
	"testing"
)

// TestBound: the cache never holds more than its bound, and evicts the
// least recently used entry, a Get counting as a use.
func TestBound(t *testing.T) {
	c := New[string, int](3)
	for i := range 3 {
		c.Add(strconv.Itoa(i), i)
	}
	c.Get("0") // 1 is now the least recently used
	c.Add("3", 3)
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want 3", c.Len())
	}
	for k, want := range map[string]bool{"0": true, "1": false, "2": true, "3": true} {
		if _, ok := c.Get(k); ok != want {
			t.Errorf("Get(%s) present = %v, want %v", k, ok, want)
		}
	}
	c.Add("2", 20) // replacing keeps the size
	if v, _ := c.Get("2"); v != 20 || c.Len() != 3 {
		t.Errorf("after replacing: Get(2) = %d, Len = %d; want 20, 3", v, c.Len())
	}
	for i := range 1000 {
		c.Add("k"+strconv.Itoa(i), i)
		if c.Len() > 3 {
			t.Fatalf("Len = %d after %d adds, want at most 3", c.Len(), i+1)
		}
	}
	if _, ok := New[int, int](0).byKey[0]; ok || New[int, int](0).max != 1 {
		t.Errorf("a bound below 1 is 1")
	}
}
