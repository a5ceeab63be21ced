package temporaldev_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/compozy/monitoring/internal/temporaldev"
	"github.com/compozy/monitoring/internal/testkit"
)

func TestStartAndDial(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Temporal dev server")
	}
	t.Run("Should start a dev server on loopback that answers a health check and serves its metrics", func(t *testing.T) {
		address, metricsURL := temporaldev.Start(t)
		assert.Regexp(t, `^127\.0\.0\.1:\d+$`, address)
		c := temporaldev.Dial(t, address, client.Options{})
		_, err := c.CheckHealth(t.Context(), &client.CheckHealthRequest{})
		require.NoError(t, err)
		status, _ := testkit.Get(t, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, metricsURL, nil)
		assert.Equal(t, http.StatusOK, status)
	})
}
