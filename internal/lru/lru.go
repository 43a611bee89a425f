// Package lru is a map bounded by its number of entries: adding one more
// than the bound evicts the least recently used. It is not safe for
// concurrent use; its owner locks around it.
package lru

import "container/list"

// Cache maps keys to values, holding at most its bound of entries.
type Cache[K comparable, V any] struct {
	max   int
	order *list.List // of *entry[K, V], most recently used first
	byKey map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key K
	val V
}

// New returns an empty cache of at most bound entries (at least 1).
func New[K comparable, V any](bound int) *Cache[K, V] {
	return &Cache[K, V]{max: max(1, bound), order: list.New(), byKey: map[K]*list.Element{}}
}

// Get returns the value for key and marks it used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Add sets key's value, marks it used and evicts the least recently used
// entry if the cache is then over its bound.
func (c *Cache[K, V]) Add(key K, val V) {
	if e, ok := c.byKey[key]; ok {
		e.Value.(*entry[K, V]).val = val
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&entry[K, V]{key, val})
	if c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.byKey, old.Value.(*entry[K, V]).key)
	}
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int { return c.order.Len() }
