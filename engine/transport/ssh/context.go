package ssh

import "context"

type prompterKey struct{}

// WithPrompter returns a context carrying p, for code that dials on behalf of the
// client that made a request (the daemon asks that client).
func WithPrompter(ctx context.Context, p Prompter) context.Context {
	return context.WithValue(ctx, prompterKey{}, prompterBox{p})
}

// prompterBox lets a context carry a nil Prompter, meaning "do not ask anyone".
type prompterBox struct{ Prompter }

// PrompterFrom returns the Prompter ctx carries (possibly nil: non-interactive), and
// whether it carries one at all.
func PrompterFrom(ctx context.Context) (Prompter, bool) {
	v := ctx.Value(prompterKey{})
	if v == nil {
		return nil, false
	}
	return v.(prompterBox).Prompter, true
}
