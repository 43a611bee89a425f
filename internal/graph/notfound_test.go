package graph

import (
	"errors"
	"fmt"
	"testing"
)

// TestNotFound pins the one list of Graph's not-found codes: which answers
// mean "no such item" (an id in a mail path) and which "no such entity".
func TestNotFound(t *testing.T) {
	for _, tc := range []struct {
		err      error
		item, nf bool
	}{
		{&Error{Status: 404, Code: "ErrorItemNotFound"}, true, true},
		{&Error{Status: 400, Code: "ErrorInvalidIdMalformed"}, true, true},
		{fmt.Errorf("messages: %w", &Error{Status: 400, Code: "ErrorInvalidIdMalformed"}), true, true},
		{&Error{Status: 404, Code: "Request_ResourceNotFound"}, false, true},
		{&Error{Status: 400, Code: "Request_ResourceNotFound"}, false, true},
		{&Error{Status: 404, Code: "ResourceNotFound"}, false, true},
		{&Error{Status: 404, Code: "MailboxNotEnabledForRESTAPI"}, false, false},
		{&Error{Status: 404, Code: "ErrorNonExistentMailbox"}, false, false},
		{&Error{Status: 404}, false, true},
		{&Error{Status: 400, Code: "BadRequest"}, false, false},
		{&Error{Status: 403, Code: "ErrorAccessDenied"}, false, false},
		{errors.New("ErrorItemNotFound"), false, false},
		{nil, false, false},
	} {
		if got := ItemNotFound(tc.err); got != tc.item {
			t.Errorf("ItemNotFound(%v) = %v, want %v", tc.err, got, tc.item)
		}
		if got := NotFound(tc.err); got != tc.nf {
			t.Errorf("NotFound(%v) = %v, want %v", tc.err, got, tc.nf)
		}
	}
}
