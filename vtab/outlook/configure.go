package outlook

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/outlooksql/outlooksql/internal/profile"
	"github.com/outlooksql/outlooksql/vtab"
)

// configure is outlooksql_configure([connection]): it gives the connection
// it runs on a Source and returns the connection's id. Without an argument
// the connection comes from $OUTLOOKSQL_CONNECTION, else the profile
// "default"; an argument without "=" names a profile; any other argument is
// a connection string. Profiles and the environment keep secrets out of the
// SQL text (and so out of the result column's name, history and logs).
func configure(vc *vtab.Conn, args []any) (any, error) {
	choice, err := chooseConnection(args, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigureFunction, err)
	}
	src, err := OpenString(choice.ConnString)
	if err != nil {
		if choice.From == "" {
			return nil, fmt.Errorf("%s: %w", ConfigureFunction, err)
		}
		return nil, fmt.Errorf("%s: connection string of %s: %w", ConfigureFunction, choice.From, err)
	}
	c := stateOf(vc)
	c.mu.Lock()
	c.src = src
	c.mu.Unlock()
	return vc.ID(), nil
}

// chooseConnection picks the connection string outlooksql_configure's
// arguments name. From is "" for a string given in SQL.
func chooseConnection(args []any, lookup func(string) (string, bool)) (profile.Choice, error) {
	if len(args) == 0 {
		c, err := profile.Resolve("", "", lookup)
		if errors.Is(err, profile.ErrNoConnection) {
			where := "the profiles file"
			if p, perr := profile.Path(lookup); perr == nil {
				where = p
			}
			msg := fmt.Sprintf("no connection: set %s, add a [%s] profile to %s, or name a profile: %s('NAME')",
				profile.EnvConnection, profile.Default, where, ConfigureFunction)
			var nc *profile.NoConnectionError
			if errors.As(err, &nc) {
				msg += fmt.Sprintf(" (%s also has problems in other profiles; \"outlooksql profiles\" lists them)", nc.Path)
			}
			return c, errors.New(msg)
		}
		return c, err
	}
	s, ok := args[0].(string)
	if !ok || strings.TrimSpace(s) == "" {
		return profile.Choice{}, errors.New("the argument must be a profile name or a connection string (TEXT); or give none to use $" + profile.EnvConnection + " or the default profile")
	}
	if !strings.Contains(s, "=") {
		return profile.Resolve("", strings.TrimSpace(s), lookup)
	}
	return profile.Choice{ConnString: s}, nil
}
