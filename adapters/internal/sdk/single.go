package sdk

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/compozy/monitoring/internal/fast"
)

// LogUnavailable returns the [Settings.OnError] that logs, through logger,
// each fast instrument that could not be created (an invalid name, a name
// already taken), so that a refusal is never silent.
func LogUnavailable(logger *slog.Logger) func(error) {
	return func(err error) { logger.Error("monitoring: fast instrument unavailable", "error", err) }
}

// Single builds the backend of one adapter used on its own: the resource of
// s, the fast instruments (an instrument that cannot be created logged
// through logger), the part build makes over them, and one provider. An
// error names the backend; nothing is left running then.
func Single(
	ctx context.Context, name string, s Settings, logger *slog.Logger,
	build func(instruments *fast.Registry) (Part, error),
) (*Backend, error) {
	res, err := Resource(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("%s backend: %w", name, err)
	}
	s.OnError = LogUnavailable(logger)
	instruments := NewInstruments(s)
	part, err := build(instruments)
	if err != nil {
		return nil, err
	}
	return Compose(s, res, instruments, []Part{part}), nil
}
