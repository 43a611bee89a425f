package graph

// Left returns how many more requests the budget allows, or -1 when it has
// no limit. Speculative work (a join's lookahead) uses it to leave the
// statement's own requests room.
func (b *Budget) Left() int64 {
	if b == nil || b.max <= 0 {
		return -1
	}
	return max(b.max-b.used.Load(), 0)
}
